"""The features both of our own linear classifiers read: TF-IDF of folded words and characters.

Why one module: the danger-only vote (``danger_binary_model``) and the intent second opinion
(``linear_intent_model``) must see a message the same way, folded like the tokenizer folds it, so
that "Está", "esta" and "estaaa" are one feature for every classifier in the pipeline.
"""
from __future__ import annotations

import re
from typing import Dict, Optional

from sklearn.feature_extraction.text import TfidfVectorizer

from bot.language.folding import normalize, squeeze_stretched

# Words 1–2 (every token, emoji included) and characters 2–5 inside word boundaries (typos and
# Spanglish share character runs with the correct spelling); a character n-gram seen once is noise.
VECTORIZERS: Dict[str, Dict] = {
    "word": {"analyzer": "word", "ngram_range": (1, 2), "token_pattern": r"[^\s]+", "min_df": 1},
    "char": {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2},
}

_APOSTROPHES = re.compile(r"['’`]")


def fold_text(text: str) -> str:
    """Lower case, no accents or apostrophes, letter runs cut to two: "Estáaa" and "esta" are one."""
    return squeeze_stretched(_APOSTROPHES.sub("", normalize(text)))


def make_vectorizer(kind: str, vocabulary: Optional[Dict[str, int]] = None) -> TfidfVectorizer:
    """A fresh vectorizer of ``kind`` ("word" or "char"), or a loaded one when given its vocabulary."""
    return TfidfVectorizer(preprocessor=fold_text, sublinear_tf=True, vocabulary=vocabulary, **VECTORIZERS[kind])
