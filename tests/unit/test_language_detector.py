"""Language decisions on teen texting: short and mixed messages must not flip the conversation."""
import pytest

from bot.language import LanguageDetector


@pytest.fixture(scope="module")
def detector():
    return LanguageDetector()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("how do i know if a job offer is fake", "en"),
        ("my friend got a dm about driving ppl for cash", "en"),
        ("que pasa si me agarran manejando", "es"),
        ("mi primo quiere hacer un jale en la frontera", "es"),
        ("hola", "es"),
        ("hello", "en"),
        ("gracias!!", "es"),
        ("thanks", "en"),
        ("Qué significa pollos?", "es"),
    ],
)
def test_clear_messages(detector, text, expected):
    assert detector.detect(text).language == expected


@pytest.mark.parametrize("text", ["ok", "jaja", "lol", "😂😂😂", "👍", "", "   ", "?!", "bro", "no", "1", "$$$"])
def test_short_or_symbol_messages_keep_the_current_language(detector, text):
    assert detector.detect(text).language is None


@pytest.mark.parametrize(
    "text",
    ["my friend me dijo que he got un jale", "bro the job is a chamba de driver and they pay good", "is it bad si mi amigo lo hace"],
)
def test_spanglish_keeps_the_current_language(detector, text):
    decision = detector.detect(text)
    assert decision.language is None and decision.reason in {"mixed", "uncertain"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("español", "es"), ("Español porfa", "es"), ("ESPAÑOL", "es"), ("en español por favor", "es"),
        ("no hablo ingles", "es"), ("english", "en"), ("english please", "en"), ("can u talk in english", "en"),
        ("i don't speak spanish", "en"), ("inglés", "en"),
    ],
)
def test_explicit_switch(detector, text, expected):
    decision = detector.detect(text)
    assert (decision.language, decision.reason) == (expected, "explicit")


@pytest.mark.parametrize(
    "text, expected",
    [
        # a name said not to work for the teen asks for the other language
        ("no entiendo el ingles, cambialo", "es"), ("no le entiendo al ingles", "es"),
        ("el ingles no lo entiendo bien", "es"), ("spanish x fa, el ingles no se me da", "es"),
        ("mi español no es muy bueno, me hablas en ingles?", "en"), ("my spanish is bad", "en"),
        ("i cant really speak spanish", "en"),
        # the "no" belongs to another clause, or is a plain answer before the request
        ("me lo pones en spanish? no entendi nada", "es"), ("mejor en español porfa, no entiendo", "es"),
        ("no, english please", "en"),
    ],
)
def test_a_negated_language_name_asks_for_the_other_language(detector, text, expected):
    decision = detector.detect(text)
    assert (decision.language, decision.reason) == (expected, "explicit")


@pytest.mark.parametrize("text", ["mi primo habla ingles, el me dijo del jale", "mi maestra de ingles no vino hoy"])
def test_talking_about_a_language_is_not_asking_for_it(detector, text):
    decision = detector.detect(text)
    assert decision.reason != "explicit" and decision.language == "es"


def test_long_message_mentioning_a_language_is_not_a_switch(detector):
    text = "my cousin only speaks spanish and someone offered him money to drive people north tonight"
    decision = detector.detect(text)
    assert decision.reason != "explicit" and decision.language == "en"


def test_garbage_never_raises(detector):
    for text in ["\x00\x01", "\udcff\udcfe", "a" * 20000, "🙂" * 5000, None, 42]:
        detector.detect(text)


@pytest.mark.parametrize("text, expected", [("eres la migra o q", "es"), ("are u the cops or what", "en")])
def test_function_words_back_an_unsure_statistical_guess(detector, text, expected):
    assert detector.detect(text).language == expected


def test_one_word_repeated_is_read_as_that_word(detector):
    assert detector.detect("hello " * 800).language == "en"
    assert detector.detect("jaja " * 300).language is None
