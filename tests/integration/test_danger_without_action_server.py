"""With the action server stopped, danger still gets its full reply: no custom action is on that path.

Runs last in its module order and restarts the action server, so other tests are unaffected.
"""
import pytest

from bot.hotlines import template_values

pytestmark = pytest.mark.servers


@pytest.fixture
def actions_down(assistant):
    assistant.actions.stop()
    try:
        yield assistant
    finally:
        assistant.actions.start()
        assistant.actions.wait_ready(timeout=120)


@pytest.mark.parametrize(
    "text, language, marker",
    [("they said if i dont drive tonight theyll hurt my little sister", "en", "trafficking_call"),
     ("me apuntaron con una pistola cuando les dije q no", "es", "emergency_call"),
     ("i want to kill myself", "en", "lifeline_number")],
)
def test_danger_reply_without_action_server(actions_down, response_language, text, language, marker):
    assistant = actions_down
    assert not assistant.actions.running
    sender = assistant.new_sender("down")
    texts = assistant.texts(sender, text)
    assert template_values()[marker] in "\n".join(texts), texts
    assert len(texts) == 4 and {response_language[t.strip()] for t in texts} == {language}
    assert assistant.tracker(sender)["slots"]["escalated"] is True
