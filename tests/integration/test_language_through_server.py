"""Language slot and reply language, through the real Rasa server and its REST channel."""
import pytest

pytestmark = pytest.mark.servers


def _reply_languages(texts, response_language):
    unknown = [t for t in texts if t.strip() not in response_language]
    assert not unknown, f"replies not found in domain.yml: {unknown}"
    return {response_language[t.strip()] for t in texts}


def _language_at_each_user_turn(tracker):
    """Replays the events: the language slot value in force when each user turn was answered."""
    language, per_turn = None, []
    for event in tracker["events"]:
        if event["event"] == "slot" and event["name"] == "language":
            language = event["value"]
        elif event["event"] == "user":
            per_turn.append([event["text"], None])
        elif event["event"] == "bot" and per_turn and per_turn[-1][1] is None:
            per_turn[-1][1] = language
    return per_turn


def test_spanish_conversation_is_answered_in_spanish(assistant, response_language):
    sender = assistant.new_sender()
    texts = assistant.texts(sender, "hola, q onda")
    assert texts and _reply_languages(texts, response_language) == {"es"}
    assert assistant.tracker(sender)["slots"]["language"] == "es"


def test_english_conversation_is_answered_in_english(assistant, response_language):
    sender = assistant.new_sender()
    texts = assistant.texts(sender, "hey what are the red flags in a job offer")
    assert _reply_languages(texts, response_language) == {"en"}
    assert assistant.tracker(sender)["slots"]["language"] == "en"


def test_short_and_mixed_messages_keep_the_language_and_explicit_requests_switch(assistant, response_language):
    sender = assistant.new_sender()
    script = [
        ("que pasa si me agarran manejando pollos", "es"),
        ("ok", "es"),
        ("jaja", "es"),
        ("👍", "es"),
        ("my friend me dijo que he got un jale", "es"),
        ("english", "en"),
        ("lol", "en"),
        ("how do i say no to them", "en"),
        ("español porfa", "es"),
        ("gracias", "es"),
    ]
    for text, expected in script:
        texts = assistant.texts(sender, text)
        assert texts, f"no reply to {text!r}"
        assert _reply_languages(texts, response_language) == {expected}, f"after {text!r}"
        assert assistant.tracker(sender)["slots"]["language"] == expected, f"after {text!r}"

    turns = _language_at_each_user_turn(assistant.tracker(sender))
    assert [language for _, language in turns] == [expected for _, expected in script]


@pytest.mark.parametrize(
    "text, intent, language",
    [
        ("r u a real person or a bot", "bot_identity", "en"),
        ("eres la migra o q", "bot_identity", "es"),
        ("what does pollos mean", "slang_meaning", "en"),
        ("mi amigo quiere hacer un jale de chofer como lo ayudo", "help_friend", "es"),
        ("can i report them without giving my name", "report_anonymously", "en"),
        ("como me salgo si ya me estan escribiendo", "say_no", "es"),
    ],
)
def test_topics_in_both_languages(assistant, response_language, text, intent, language):
    sender = assistant.new_sender()
    texts = assistant.texts(sender, text)
    tracker = assistant.tracker(sender)
    assert tracker["latest_message"]["intent"]["name"] == intent
    assert _reply_languages(texts, response_language) == {language}
