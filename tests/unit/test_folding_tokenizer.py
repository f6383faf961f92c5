"""The NLU sees one spelling per word, whatever accents, case or stretched letters a teen types."""
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_plugins.folding_tokenizer import FoldingWhitespaceTokenizer, fold


def _tokens(text):
    tokenizer = FoldingWhitespaceTokenizer(FoldingWhitespaceTokenizer.get_default_config())
    return tokenizer.tokenize(Message({"text": text}), "text")


def test_featurized_form_drops_accents_case_and_stretching():
    assert [t.lemma for t in _tokens("Está AQUÍ el señor, holaaaa")] == ["esta", "aqui", "el", "senor", "holaa"]


def test_accented_and_plain_spellings_become_the_same_feature():
    assert [t.lemma for t in _tokens("mamá dónde estás")] == [t.lemma for t in _tokens("mama donde estas")]


def test_token_text_and_offsets_stay_as_typed():
    """The offer checker quotes the teen's own words, so the text itself must not change."""
    text = "Está AQUÍ"
    tokens = _tokens(text)
    assert [t.text for t in tokens] == ["Está", "AQUÍ"]
    assert [text[t.start:t.end] for t in tokens] == ["Está", "AQUÍ"]


def test_fold_keeps_double_letters():
    assert fold("llevar") == "llevar" and fold("cool") == "cool"
