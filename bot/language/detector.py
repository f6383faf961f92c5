"""English/Spanish detection tuned for teen texting.

Why not just ask a statistical detector: on "ok", "jaja" or an emoji it guesses, and a wrong
guess flips the whole conversation into the other language. So short and mixed messages keep
the conversation's current language (the caller's slot), explicit requests ("español",
"in english pls") always switch, and only clear messages change it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Optional

import yaml

from bot.language.folding import normalize

SUPPORTED_LANGUAGES = ("en", "es")
_LEXICON_FILE = Path(__file__).with_name("lexicon.yml")
_WORD = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class LanguageDecision:
    """``language`` is None when the message should not change the conversation's language."""

    language: Optional[str]
    reason: str  # explicit | strong_word | statistics | mixed | too_short | uncertain
    confidence: float = 0.0


def words(text: str) -> list:
    return _WORD.findall(normalize(text))


class LanguageDetector:
    """Stateless; build once (loading lingua's two models takes about a second)."""

    def __init__(self, lexicon_file: Path = _LEXICON_FILE) -> None:
        lexicon = yaml.safe_load(lexicon_file.read_text(encoding="utf-8"))
        self._switch = lexicon["switch"]
        self._switch_max_words = int(lexicon["switch_max_words"])
        self._switch_max_words_negated = int(lexicon["switch_max_words_negated"])
        self._negation = frozenset(lexicon["negation"])
        self._understanding = frozenset(lexicon["understanding"])
        self._poor = frozenset(lexicon["poor"])
        self._negation_window = int(lexicon["negation_window"])
        self._asking_before = frozenset(lexicon["asking_before"])
        self._asking_after = frozenset(lexicon["asking_after"])
        self._strong: Dict[str, FrozenSet[str]] = {
            lang: frozenset(ws) for lang, ws in lexicon["strong"].items()
        }
        self._function: Dict[str, FrozenSet[str]] = {
            lang: frozenset(ws) for lang, ws in lexicon["function_words"].items()
        }
        self._min_words = int(lexicon["min_words_for_statistics"])
        self._min_confidence = float(lexicon["min_confidence"])
        self._mixed_ratio = float(lexicon["mixed_ratio"])
        self._backing_words = int(lexicon["backing_function_words"])
        self._backed_min_confidence = float(lexicon["backed_min_confidence"])
        self._statistical = _lingua_detector()

    def detect(self, text: str) -> LanguageDecision:
        if not isinstance(text, str):
            return LanguageDecision(None, "too_short")
        tokens = words(text)
        if not tokens:
            return LanguageDecision(None, "too_short")

        explicit = self._explicit_switch(text, tokens)
        if explicit:
            return LanguageDecision(explicit, "explicit", 1.0)

        hits = {lang: sum(t in self._function[lang] for t in tokens) for lang in SUPPORTED_LANGUAGES}
        # Counted in distinct words: "hello hello hello…" (pasted or spammed) is as short as "hello",
        # and the statistical model guesses wildly on one repeated word.
        if len(set(tokens)) < self._min_words:
            strong = {lang for lang in SUPPORTED_LANGUAGES if any(t in self._strong[lang] for t in tokens)}
            if len(strong) == 1:
                return LanguageDecision(strong.pop(), "strong_word", 0.9)
            return LanguageDecision(None, "too_short")

        low, high = sorted(hits.values())
        if low and low / high >= self._mixed_ratio:
            return LanguageDecision(None, "mixed")

        best = self._statistical.compute_language_confidence_values(" ".join(tokens))[0]
        language = "en" if best.language.name == "ENGLISH" else "es"
        other = _other(language)
        if hits[other] > hits[language]:
            return LanguageDecision(None, "uncertain", best.value)
        # Common words of one language only ("eres la migra o q") back a less sure statistical
        # guess: lingua alone is unsure on short, slangy, accentless messages.
        backed = hits[language] >= self._backing_words and hits[other] == 0
        if best.value >= self._min_confidence or (backed and best.value >= self._backed_min_confidence):
            return LanguageDecision(language, "statistics", best.value)
        return LanguageDecision(None, "uncertain", best.value)

    def _explicit_switch(self, text: str, tokens: list) -> Optional[str]:
        if len(tokens) > self._switch_max_words_negated:
            return None
        wanted, negated_any, short_request = set(), False, False
        # Clause by clause: in "me lo pones en spanish? no entendi nada" the "no" is about the
        # last reply, not about Spanish.
        for clause in _CLAUSE_BREAK.split(text):
            clause_tokens = words(clause)
            joined = " ".join(clause_tokens)
            bare = [token.replace("'", "") for token in clause_tokens]  # "don't" is "dont"
            for lang in SUPPORTED_LANGUAGES:
                # "no hablo ingles" asks for Spanish, so negated phrases win over bare names.
                if any(phrase in joined for phrase in self._switch[lang]["negated"]):
                    wanted.add(lang)
                    negated_any = True
            for position, token in enumerate(clause_tokens):
                for lang in SUPPORTED_LANGUAGES:
                    if token in self._switch[lang]["names"]:
                        negated = self._is_negated(bare, position)
                        negated_any |= negated
                        wanted.add(_other(lang) if negated else lang)
                        short_request |= (len(clause_tokens) <= self._switch_max_words
                                          and self._asks_for(clause_tokens, position))
        # A long message may still ask: "mi español no es muy bueno, me hablas en ingles?" or
        # "me lo pones en spanish? no entendi nada". One long sentence that names a language
        # ("my cousin only speaks spanish and ...") is not a request.
        limit = self._switch_max_words_negated if negated_any or short_request else self._switch_max_words
        if len(tokens) > limit or len(wanted) != 1:
            return None
        return wanted.pop()

    def _asks_for(self, tokens: list, position: int) -> bool:
        """"en spanish", "english pls" or the name alone: asking for it, not talking about it
        ("mi primo habla ingles")."""
        return (len(tokens) == 1 or (position > 0 and tokens[position - 1] in self._asking_before)
                or (position + 1 < len(tokens) and tokens[position + 1] in self._asking_after))

    def _is_negated(self, tokens: list, position: int) -> bool:
        """True when the language name at ``position`` (in tokens without apostrophes) is said not
        to work for the teen."""
        window = self._negation_window
        before = tokens[max(0, position - window):position]
        after = tokens[position + 1:position + 1 + window + 1]
        for i, token in enumerate(before):
            if token in self._negation and set(before[i + 1:]) & self._understanding:
                return True
        if set(after) & self._poor:
            return True
        for i, token in enumerate(after):
            if token in self._negation and set(after[i + 1:i + 3]) & self._understanding:
                return True
        return False


_CLAUSE_BREAK = re.compile(r"[?.!,;:¿¡]+")


def _other(language: str) -> str:
    return "es" if language == "en" else "en"


@lru_cache(maxsize=1)
def _lingua_detector():
    """One shared lingua instance per process; it only knows English and Spanish."""
    from lingua import Language, LanguageDetectorBuilder

    return (
        LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH)
        .with_preloaded_language_models()
        .build()
    )
