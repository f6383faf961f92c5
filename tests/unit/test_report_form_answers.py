"""The report form's reading of answers: stop and skip in both languages, long text clipped."""
import pytest

from bot.reports.form_answers import SKIPPED, read_answer


@pytest.mark.parametrize("text", ["stop", "STOP!", "cancelar", "ya no quiero", "Mejor no.", "never mind"])
def test_stop_words(text):
    assert read_answer(text).kind == "stop"


@pytest.mark.parametrize("text", ["skip", "Saltar", "paso", "no sé", "idk", "prefiero no decir"])
def test_skip_words(text):
    answer = read_answer(text)
    assert answer.kind == "skip" and answer.text == SKIPPED


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_answers(text):
    assert read_answer(text).kind == "empty"


def test_long_answers_are_clipped_and_flagged():
    answer = read_answer("a" * 10000)
    assert answer.kind == "text" and answer.clipped and len(answer.text) == 4000


def test_a_real_answer_mentioning_stop_is_kept():
    answer = read_answer("they told me to stop at the gas station and wait")
    assert answer.kind == "text" and not answer.clipped
