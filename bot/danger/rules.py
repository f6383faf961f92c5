"""Loads the danger phrase rules and matches them against a message, in both languages at once.

Both languages are always checked: a teen in danger may switch language mid-message, and a
missed danger costs far more than a second regex pass (about 0.1 ms).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Pattern, Tuple

import yaml

from bot.language.folding import normalize, squeeze_stretched

RULES_DIR = Path(__file__).parent / "rules"
LANGUAGES = ("en", "es")
# Order matters when several types match: the most urgent answer wins.
DANGER_TYPES = ("self_harm", "weapon", "in_progress", "friend_missing", "threat", "coerced", "watched")
_APOSTROPHES = re.compile(r"['’`]")
_SPACES = re.compile(r"\s+")
_WORD_LIST = re.compile(r"\{([a-z_]+)\}")  # {family}; a quantifier such as {0,4} has digits


@dataclass(frozen=True)
class DangerMatch:
    danger_type: str
    language: str
    pattern: str
    evidence: str  # the matched words, normalised


def prepare(text: str) -> str:
    """Lower case, no accents or apostrophes, letter runs cut to two, single spaces."""
    text = normalize(text)
    text = _APOSTROPHES.sub("", text)
    text = squeeze_stretched(text)
    return _SPACES.sub(" ", text).strip()


def _compile(pattern: str) -> Pattern:
    return re.compile(r"(?<![a-z0-9])(?:" + prepare_pattern(pattern) + r")(?![a-z0-9])")


def prepare_pattern(pattern: str) -> str:
    # Patterns are written the way people type them; apostrophes are gone from prepared text.
    return _APOSTROPHES.sub("", pattern)


def expand_word_lists(pattern: str, words: Dict[str, List[str]], source: str) -> str:
    """Writes each ``{name}`` out as its word list, so a list that many phrases share (a teen's
    family, say) is kept, and widened, in one place."""
    def alternatives(found: "re.Match") -> str:
        name = found.group(1)
        if name not in words:
            raise ValueError(f"{source}: phrase {pattern!r} uses {{{name}}}, which is not under 'words:'")
        return "(?:" + "|".join(words[name]) + ")"

    return _WORD_LIST.sub(alternatives, pattern)


class DangerRules:
    def __init__(self, rules_dir: Path = RULES_DIR) -> None:
        self._rules: Dict[str, List[Tuple[str, str, Pattern]]] = {t: [] for t in DANGER_TYPES}
        self._idioms: List[Pattern] = []
        for language in LANGUAGES:
            data = yaml.safe_load((rules_dir / f"{language}.yml").read_text(encoding="utf-8"))
            unknown = set(data) - set(DANGER_TYPES) - {"idioms", "words"}
            if unknown:
                raise ValueError(f"{language}.yml: unknown danger types {sorted(unknown)}")
            words = data.get("words") or {}
            for danger_type in DANGER_TYPES:
                for pattern in data.get(danger_type) or []:
                    regex = _compile(expand_word_lists(pattern, words, f"{language}.yml"))
                    self._rules[danger_type].append((language, pattern, regex))
            self._idioms.extend(_compile(expand_word_lists(p, words, f"{language}.yml"))
                                for p in data.get("idioms") or [])

    def is_idiom_only(self, text: str) -> bool:
        """True when the text holds a violent-sounding idiom and no danger phrase outside it.

        Used to overrule a classifier that escalated "me muero de risa": the idiom list is the
        one place that knows these are everyday speech.
        """
        return self.has_idiom(text) and self.match(text) is None

    def has_idiom(self, text: str) -> bool:
        """True when the text holds a violent-sounding idiom ("me muero de risa")."""
        if not isinstance(text, str) or not text.strip():
            return False
        prepared = prepare(text)
        return any(idiom.search(prepared) for idiom in self._idioms)

    def match(self, text: str) -> Optional[DangerMatch]:
        """The most urgent danger in the text, ignoring matches that sit inside an idiom."""
        return self.inspect(text)[0]

    def inspect(self, text: str) -> Tuple[Optional[DangerMatch], bool]:
        """``match(text)`` and ``has_idiom(text)`` from one pass: finding the idioms' spans for
        the match already tells whether there is one, so the safety net need not run them twice."""
        if not isinstance(text, str) or not text.strip():
            return None, False
        prepared = prepare(text)
        idiom_spans = [m.span() for idiom in self._idioms for m in idiom.finditer(prepared)]
        for danger_type in DANGER_TYPES:
            for language, pattern, regex in self._rules[danger_type]:
                for found in regex.finditer(prepared):
                    if not any(_overlaps(found.span(), span) for span in idiom_spans):
                        return DangerMatch(danger_type, language, pattern, found.group(0)), bool(idiom_spans)
        return None, bool(idiom_spans)


def _overlaps(a: Tuple[int, int], b: Tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@lru_cache(maxsize=1)
def default_rules() -> DangerRules:
    return DangerRules()
