"""Run one language's rules over a spaCy Doc and return raw signal hits.

Why separate from scoring: this is the only place that knows spaCy's
Matcher/PhraseMatcher. It answers "which signals fired, where (in the
normalised text)", applying the per-signal filters from the rule files
(`unless`, `near`, `title_case`). Scoring and explanation happen elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Set, Tuple

from .rulebook import LanguageRules


@dataclass
class Hit:
    """A signal found at [start, end) of the normalised text."""

    signal: str
    start: int
    end: int


class LanguageMatcher:
    """Matcher + PhraseMatcher for one language's signals."""

    def __init__(self, nlp: Any, rules: LanguageRules, money_emoji: List[str], validate: bool = False):
        """``validate`` checks every token pattern against spaCy's schema
        (slower to load; the test suite turns it on so rule typos fail there)."""
        from spacy.matcher import Matcher, PhraseMatcher

        self.nlp = nlp
        self.rules = rules
        self.matcher = Matcher(nlp.vocab, validate=validate)
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.unless = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._unless_keys: Dict[int, str] = {}
        strings = nlp.vocab.strings
        for name, sig in rules.signals.items():
            if sig.patterns:
                self.matcher.add(name, sig.patterns)
            if sig.phrases:
                self.phrases.add(name, [nlp.make_doc(p) for p in sig.phrases])
            if sig.unless:
                key = "unless::" + name
                self.unless.add(key, [nlp.make_doc(p) for p in sig.unless])
                self._unless_keys[strings[key]] = name
        if money_emoji:
            self.matcher.add("money_emoji", [[{"ORTH": {"IN": list(money_emoji)}}]])
        self._names: Dict[int, str] = {strings[n]: n for n in list(rules.signals) + ["money_emoji"]}

    def match(self, doc: Any) -> List[Hit]:
        """All signal hits in ``doc`` after the per-signal filters."""
        raw: List[Tuple[str, int, int]] = []
        for match_id, start, end in self.matcher(doc):
            raw.append((self._names[match_id], start, end))
        for match_id, start, end in self.phrases(doc):
            raw.append((self._names[match_id], start, end))
        vetoes: Dict[str, List[Tuple[int, int]]] = {}
        if self._unless_keys:
            for match_id, start, end in self.unless(doc):
                vetoes.setdefault(self._unless_keys[match_id], []).append((start, end))
        hits: List[Hit] = []
        for name, start, end in _longest_per_signal(raw):
            if any(s < end and start < e for s, e in vetoes.get(name, [])):
                continue
            sig = self.rules.signals.get(name)
            if sig is not None:
                if sig.title_case:
                    first = doc[start].text[:1]
                    if not (first.isupper() or first.isdigit()):
                        continue
                if sig.near_window and not _has_near(doc, start, end, sig.near_words, sig.near_window):
                    continue
            span = doc[start:end]
            hits.append(Hit(name, span.start_char, span.end_char))
        return hits


def _longest_per_signal(raw: List[Tuple[str, int, int]]) -> List[Tuple[str, int, int]]:
    """Per signal, drop matches inside a longer overlapping match of the same signal."""
    out: List[Tuple[str, int, int]] = []
    by_signal: Dict[str, List[Tuple[int, int]]] = {}
    for name, start, end in raw:
        by_signal.setdefault(name, []).append((start, end))
    for name, spans in by_signal.items():
        taken: List[Tuple[int, int]] = []
        for start, end in sorted(set(spans), key=lambda se: (se[0] - se[1], se[0])):
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
        out.extend((name, s, e) for s, e in sorted(taken))
    return out


def _has_near(doc: Any, start: int, end: int, words: Set[str], window: int) -> bool:
    lo, hi = max(0, start - window), min(len(doc), end + window)
    for token in doc[lo:hi]:
        if token.lower_ in words or token.lemma_.lower() in words:
            return True
    return False
