"""Fuzzing the Telegram channel's webhook (bot.channels.telegram_bot): update parsing and handling.

Properties: any body gets 200 (an update, handled or acknowledged) or 400 (not JSON, not an
update), never an exception and never a 5xx; our handling code never crashes on an update that
python-telegram-bot could parse (it would log "could not be handled"); every message sent fits
Telegram's 4,096 characters and is not blank; a request without our secret is refused with 403
and reaches nothing.
"""
import itertools
import json
import logging

import pytest
from hypothesis import strategies as st
from telegram import Bot

from bot.channels import telegram_bot
from bot.channels.splitting import TELEGRAM_MAX
from tests.fuzz.harness import LONG_PAYLOAD, FakeRequest, Headers, Loop, StandInRasa, handler, memory_state, sender_ids
from tests.fuzz.strategies import Genome, fuzz, genome_json, genome_text, hostile_json, to_json_bytes

pytestmark = pytest.mark.fuzz

TOKEN = "123456:FUZZ-token"
SECRET = "fuzz_secret-0123456789"
PATH = "/webhooks/telegram/webhook"
_ids = itertools.count(1)


class RecordingBot(Bot):
    """The Bot API as seen by the channel, without the network: records what would be sent."""

    def __init__(self) -> None:
        super().__init__(TOKEN, base_url="http://127.0.0.1:9/bot")
        self._sent, self._answers = [], []

    async def send_message(self, chat_id, text, *args, **kwargs):
        self._sent.append(text)

    async def answer_callback_query(self, callback_query_id, text=None, *args, **kwargs):
        self._answers.append(text)
        return True


class Crashes(logging.Handler):
    """Collects ERROR records of the channel: "could not be handled" means our code raised."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage() + (f" {record.exc_info[1]!r}" if record.exc_info else ""))


@pytest.fixture
def telegram():
    channel = telegram_bot.TelegramInput(token=TOKEN, secret=SECRET, state=memory_state(), sender_ids=sender_ids())
    bot = RecordingBot()
    channel._bot = bot  # already "initialised": no getMe over the network
    rasa, loop, crashes = StandInRasa(), Loop(), Crashes()
    logger = logging.getLogger(telegram_bot.__name__)
    logger.addHandler(crashes)
    yield channel, handler(channel, "webhook", rasa), bot, rasa, loop, crashes
    logger.removeHandler(crashes)
    loop.close()


def user(g: Genome, chat_id) -> dict:
    return {"id": chat_id, "is_bot": g.below(16) == 15, "first_name": genome_text(bytes([g.byte()])) or "Teen",
            "language_code": g.choice(["es", "en", "", "zz"])}


def chat(g: Genome) -> dict:
    chat_id = g.choice([next(_ids), next(_ids), g.below(40), -(10**12) - g.byte(), 2**63, 0])
    return {"id": chat_id, "type": g.choice(["private", "private", "private", "group", "supergroup", "channel"]),
            "first_name": "Teen"}


def message(g: Genome, text: str, malformed: list) -> dict:
    where = chat(g)
    found = {"message_id": g.below(10**6), "date": g.choice([1_700_000_000, 0, 2**40]), "chat": where,
             "from": user(g, where["id"])}
    extra = g.below(7)
    if extra <= 2:
        found["text"] = g.choice(["", "/start", "/help", "/ayuda@senales_bot", "/start x", "/", "//greet "]) + text
    elif extra == 3:
        found["caption"] = text
        found["photo"] = [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]
    elif extra == 4:
        found["sticker"] = {"file_id": "s", "file_unique_id": "u", "width": 1, "height": 1, "is_animated": False,
                            "is_video": False, "type": "regular"}
    elif extra == 5:
        found["contact"] = {"phone_number": "+15551234567", "first_name": text or "x"}
    if g.below(10) == 9:  # a field of the wrong type, or a required one missing: not what Telegram sends
        found[g.choice(["chat", "from", "date", "text", "message_id"])] = genome_json(g)
        malformed.append(True)
    return found


def update(data: bytes):
    """(body, follows Telegram's schema): an update of any kind the channel subscribes to, one it
    does not, one with a field of the wrong type, or junk."""
    g, malformed = Genome(data), []
    text = genome_text(data[-40:])
    found = {"update_id": g.choice([next(_ids), next(_ids), next(_ids), 0, -1, 2**62, True, 7])}
    kind = g.below(7)
    if kind <= 1:
        found["message"] = message(g, text, malformed)
    elif kind == 2:
        found["edited_message"] = message(g, text, malformed)
    elif kind == 3:
        query_message = message(g, text, malformed)
        found["callback_query"] = {
            "id": str(g.below(10**6)), "from": user(g, query_message["chat"].get("id", 1) if isinstance(query_message["chat"], dict) else 1),
            "chat_instance": "ci", "message": query_message,
            "data": g.choice(["/affirm", "/deny", telegram_bot.callback_key(LONG_PAYLOAD), text, "1", ""]),
        }
    elif kind == 4:
        where = chat(g)
        member = {"user": user(g, where["id"]), "status": g.choice(["kicked", "left", "member", "restricted", text])}
        found["my_chat_member"] = {"chat": where, "from": user(g, where["id"]), "date": 1_700_000_000,
                                   "old_chat_member": {"user": member["user"], "status": "member"},
                                   "new_chat_member": member}
    elif kind == 5:
        found[g.choice(["poll", "channel_post", "message_reaction", genome_text(data[:2]) or "x"])] = genome_json(g)
    else:
        found = genome_json(g) if g.below(2) else {**found, **{genome_text(data[:3]) or "k": genome_json(g)}}
        malformed.append(True)
    return to_json_bytes(found), not malformed


def test_any_update_gets_200_or_400_and_our_handling_never_crashes(telegram):
    channel, receive, bot, rasa, loop, crashes = telegram
    statuses = {200: 0, 400: 0}

    def check(case):
        body, well_formed = case
        request = FakeRequest(body=body, headers=Headers({telegram_bot.SECRET_HEADER: SECRET}), path=PATH)
        response = loop.run(receive(request))
        assert response.status in statuses, (body[:300], response.status, response.body)
        statuses[response.status] += 1
        if well_formed:  # a malformed one may end in the handler's catch-all (logged, still a 200)
            assert crashes.records == [], (body[:300], crashes.records)
        crashes.records.clear()
        assert all(0 < len(text) <= TELEGRAM_MAX and text.strip() for text in bot._sent), body[:300]
        assert all(answer is None or len(answer) <= 200 for answer in bot._answers), body[:300]
        bot._sent.clear(), bot._answers.clear()

    fuzz(st.one_of(st.binary(max_size=120).map(update), st.binary(max_size=120).map(update),
                   hostile_json.map(lambda body: (body, False))), check)
    assert statuses[200] > 5000 and statuses[400] > 500, statuses
    assert len(rasa.texts) > 400, len(rasa.texts)  # the conversation was really reached (the rest: taps, edits, groups, junk)


def test_a_request_without_our_secret_is_refused_and_reaches_nothing(telegram):
    channel, receive, bot, rasa, loop, crashes = telegram

    def check(case):
        body, secret = case
        headers = {} if secret is None else {telegram_bot.SECRET_HEADER: secret}
        response = loop.run(receive(FakeRequest(body=body, headers=Headers(headers), path=PATH)))
        assert response.status == 403, case

    wrong = st.one_of(st.none(), st.text(max_size=40).filter(lambda s: s != SECRET),
                      st.sampled_from(["", SECRET[:-1], SECRET + " ", SECRET.upper(), " " + SECRET]))
    fuzz(st.tuples(st.binary(max_size=120).map(lambda data: update(data)[0]), wrong), check)
    assert rasa.texts == [] and bot._sent == [] and bot._answers == []
