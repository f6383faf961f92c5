"""Whitespace tokenizer whose tokens are compared without accents, case or stretched letters.

Why: teens type "está", "esta" and "estaaa" for the same word, and phone keyboards add accents
that hand-typed training data mostly lacks. Rasa's count-vector featurizers see each spelling as a
different feature, so a classifier learned that accented text looks like whatever intent happened
to have accented examples. The featurizers read each token's ``lemma``; setting it to the folded
spelling makes every spelling one feature, while the message text itself, which the offer checker
quotes back to the teen, stays exactly as typed.
"""
from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.language.folding import normalize, squeeze_stretched


def fold(word: str) -> str:
    """"Estáaaa" -> "estaa": lower case, no accents, runs of three or more letters cut to two."""
    return squeeze_stretched(normalize(word))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class FoldingWhitespaceTokenizer(WhitespaceTokenizer):
    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            token.lemma = fold(token.text)
        return tokens
