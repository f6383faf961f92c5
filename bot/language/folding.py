"""One spelling for the many ways teens type a word: no case, no accents, no stretched letters.

Why a module of its own: the tokenizer the model is trained with folds text with these two
functions, so a change here changes the trained model, while the language detector beside it runs
only at parse time. Kept apart, the training fingerprint (``bot/devtools/train.py``) can count
this file and not the detector.
"""
from __future__ import annotations

import re
import unicodedata


def normalize(text: str) -> str:
    """Lower-case and strip accents (ñ becomes n), so "Español" and "espanol" compare equal:
    teens type both."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch)).replace("’", "'")


_STRETCHED = re.compile(r"(.)\1{2,}")


def squeeze_stretched(text: str) -> str:
    """"holaaaa" -> "holaa": runs of three or more of one character cut to two."""
    return _STRETCHED.sub(r"\1\1", text)
