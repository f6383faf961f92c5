"""Fuzzing what every channel does to teen text at the door (bot.channels.inbound, keywords).

Properties: prepared text is never read by Rasa as an intent command, fits the limit, is
encodable and idempotent; a numbered reply only ever picks a payload we offered; a carrier
keyword counts only as the whole message.
"""
import pytest
from hypothesis import strategies as st
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.training_data.message import Message

from bot.channels import inbound, keywords
from bot.channels.text import clean_text
from tests.fuzz.strategies import Genome, fuzz, genome_text, teen_text

pytestmark = pytest.mark.fuzz

KEYWORD_RESULTS = {None, "opt_out", "opt_in", "help_en", "help_es"}
ALL_KEYWORDS = sorted(keywords.OPT_OUT | keywords.OPT_IN | set(keywords.HELP))


def slashed(data: bytes) -> str:
    """Teen text, often dressed as an intent command ("/greet", " //danger_threat{...}")."""
    g = Genome(data)
    head = g.choice(["", "/", " /", "//", "\t/", "\u200b/", "/ ", "\n/"])
    body = g.choice(["", "greet", "danger_threat", 'affirm{"report_contact_back": true}', "affirm@0.9"])
    return head + body + genome_text(data[g.pos:])


def test_prepared_teen_text_is_never_an_intent_command_and_fits_the_limit():
    def check(case):
        raw, limit = case
        text, was_cut = inbound.prepare(raw, limit)
        assert len(text) <= limit, (raw, limit)
        assert was_cut == (len(clean_text(raw)) > limit), (raw, limit)
        text.encode("utf-8")
        assert not text.strip().startswith("/"), raw
        message = Message({"text": text})
        assert YAMLStoryReader.unpack_regex_message(message) is message, raw  # Rasa sees plain text
        assert inbound.prepare(text, limit) == (text, False), raw  # preparing twice changes nothing
        assert inbound.neutralise_commands(clean_text(raw)).startswith(text), raw  # only cut, never rewritten

    fuzz(st.tuples(st.one_of(st.binary(max_size=160).map(slashed), teen_text(400)),
                   st.sampled_from([inbound.MAX_INPUT_CHARS, 40, 8, 1])), check)


def offered_buttons(data: bytes):
    g = Genome(data)
    count = g.below(6)
    buttons = [{"title": genome_text(bytes([g.byte(), g.byte()])), "payload": g.choice(["/affirm", "/deny", "", "/x"])}
               for _ in range(count)]
    reply = g.choice(["1", "2", "2.", "#2", " 3) ", "#", "", "0", "10", "01", "1.5"]) + genome_text(data[g.pos:][:3])
    return buttons, reply


def test_a_numbered_reply_only_ever_picks_a_payload_we_offered():
    def check(case):
        buttons, reply = case
        offered = inbound.numbered_buttons(buttons)
        titles = {b["title"].casefold(): b["payload"] for b in buttons if b["payload"]}
        chosen = inbound.chosen_payload(reply, offered, titles)
        assert chosen is None or chosen in offered.values() or chosen in titles.values(), case
        assert inbound.chosen_payload(reply, {}) is None  # nothing offered, nothing chosen
        for number, payload in offered.items():
            assert inbound.chosen_payload(f" #{number}. ", offered) == payload

    fuzz(st.binary(max_size=40).map(offered_buttons), check)


def keyword_case(data: bytes) -> str:
    """A keyword alone (any case, spaces, trailing punctuation), a keyword in a sentence, or any text."""
    g = Genome(data)
    word = g.choice(ALL_KEYWORDS)
    word = "".join(c.lower() if g.byte() & 1 else c for c in word)
    kind = g.below(3)
    if kind == 0:
        return g.choice(["", " ", "\n", "\t "]) + word + g.choice(["", ".", "!", "?!", "...", " "])
    if kind == 1:
        return word + " " + (genome_text(data[g.pos:]).strip(" .!¡?¿") or "please")
    return genome_text(data[g.pos:])


def test_a_carrier_keyword_counts_only_as_the_whole_message():
    def check(text):
        result = keywords.keyword(text)
        assert result in KEYWORD_RESULTS, text
        bare = text.strip().rstrip(".!¡?¿").strip()
        if result is not None:
            assert bare.upper() in ALL_KEYWORDS, text
        elif bare.upper() in ALL_KEYWORDS:
            pytest.fail(f"{text!r} is a keyword but was not recognised")
        if bare and " " in bare and bare.split(" ", 1)[0].upper() in ALL_KEYWORDS:
            assert result is None, text  # "stop texting me" goes to the conversation

    fuzz(st.one_of(st.binary(max_size=60).map(keyword_case), teen_text()), check)
