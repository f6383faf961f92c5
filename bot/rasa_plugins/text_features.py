"""The features both of our own linear classifiers read: TF-IDF of folded words and characters.

Why one module: the danger-only vote (``danger_binary_model``) and the intent second opinion
(``linear_intent_model``) must see a message the same way, folded like the tokenizer folds it, so
that "Está", "esta" and "estaaa" are one feature for every classifier in the pipeline; and both
save their vectorizers the same way, as JSON vocabularies and NumPy arrays, never a pickle.
"""
from __future__ import annotations

import re
from typing import Dict, Iterable, Mapping, Optional, Sequence, Tuple

import numpy as np
from scipy.sparse import csr_matrix, hstack
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


Vectorizers = Dict[str, TfidfVectorizer]


def fit_features(texts: Sequence[str]) -> Tuple[Vectorizers, csr_matrix]:
    """Fresh vectorizers of every kind fitted on ``texts``, and the texts' feature rows."""
    vectorizers = {kind: make_vectorizer(kind) for kind in VECTORIZERS}
    return vectorizers, hstack([v.fit_transform(texts) for v in vectorizers.values()]).tocsr()


def features(vectorizers: Vectorizers, texts: Iterable[str]) -> csr_matrix:
    """One feature row per text; a value that is not text (None, a number) reads as empty."""
    texts = [t if isinstance(t, str) else "" for t in texts]
    return hstack([v.transform(texts) for v in vectorizers.values()]).tocsr()


def vocabularies(vectorizers: Vectorizers) -> Dict[str, Dict[str, int]]:
    """The JSON-ready half of fitted vectorizers (the other half: ``idf_arrays``)."""
    return {kind: {term: int(i) for term, i in v.vocabulary_.items()} for kind, v in vectorizers.items()}


def idf_arrays(vectorizers: Vectorizers) -> Dict[str, np.ndarray]:
    """The NumPy half of fitted vectorizers, named ``idf_<kind>`` for ``np.savez``."""
    return {f"idf_{kind}": v.idf_ for kind, v in vectorizers.items()}


def restore_vectorizers(vocabularies_by_kind: Dict[str, Dict[str, int]], arrays: Mapping[str, np.ndarray]) -> Vectorizers:
    """Fitted vectorizers again, from what ``vocabularies`` and ``idf_arrays`` saved (no pickle)."""
    vectorizers: Vectorizers = {}
    for kind, vocabulary in vocabularies_by_kind.items():
        vectorizer = make_vectorizer(kind, vocabulary)
        vectorizer.idf_ = arrays[f"idf_{kind}"]
        vectorizers[kind] = vectorizer
    return vectorizers
