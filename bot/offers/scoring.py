"""Turn signal hits into explained flags, a score and a risk level.

How the score works (the numbers are in rules/shared.yml):
  1. Each hit is a signal with a code and a weight. Signals marked
     `requires_any` are dropped unless one of the listed codes was found by
     another signal (e.g. "must have your own car" only matters next to
     cash-per-trip talk).
  2. A code counts once, at its strongest signal's weight; repeating a red
     flag does not pile up points.
  3. score = sum of red-flag codes + sum of protective codes, where the
     protective part can lower the score by at most `risk.protective_cap`.
  4. risk is "high" if a code in `risk.always_high` is present, or a
     `risk.high_combinations` rule holds (counting only signals that may
     combine), or score >= `risk.high_score`;
     "medium" if score >= `risk.medium_score`; else "low".
Why: every step is a rule a person can read in the YAML and check against
the flags shown to the teen, so the verdict can always be explained.
"""

from __future__ import annotations

from dataclasses import dataclass, asdict
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from .rulebook import LanguageRules, RuleBook


@dataclass
class Flag:
    """One red flag or protective signal, quoted from the original text."""

    code: str
    signal: str
    evidence: str
    start: int
    end: int
    explanation: str
    weight: float

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def active_signals(hits: Iterable[Tuple[str, int, int]], book: RuleBook) -> List[Tuple[str, int, int]]:
    """Drop conditional signals whose required codes were not found."""
    hits = list(hits)
    unconditional_codes = {
        book.signals[name].code for name, _, _ in hits if not book.signals[name].requires_any
    }
    return [
        (name, s, e)
        for name, s, e in hits
        if not book.signals[name].requires_any
        or any(code in unconditional_codes for code in book.signals[name].requires_any)
    ]


def make_flags(
    hits: Iterable[Tuple[str, int, int]],
    book: RuleBook,
    lang: LanguageRules,
    to_original,
    original: str,
) -> List[Flag]:
    """Build Flag objects; overlapping hits of one code keep the strongest."""
    limit = int(book.analysis.get("max_flags_per_code", 5))
    per_code: Dict[str, List[Flag]] = {}
    ordered = sorted(hits, key=lambda h: (-abs(book.signals[h[0]].weight), h[1] - h[2], h[1]))
    for name, n_start, n_end in ordered:
        signal = book.signals[name]
        start, end = to_original(n_start, n_end)
        taken = per_code.setdefault(signal.code, [])
        if any(f.start < end and start < f.end for f in taken) or len(taken) >= limit:
            continue
        taken.append(Flag(
            code=signal.code,
            signal=name,
            evidence=original[start:end],
            start=start,
            end=end,
            explanation=lang.explanations.get(name) or lang.explanations[signal.code],
            weight=signal.weight,
        ))
    flags = [f for group in per_code.values() for f in group]
    return sorted(flags, key=lambda f: (f.start, f.end, f.code))


def answer_flags(answers: Optional[Dict[str, Any]], book: RuleBook, lang: LanguageRules) -> List[Flag]:
    """Flags for follow-up questions answered True (no quote: evidence "")."""
    out: List[Flag] = []
    if not isinstance(answers, dict):
        return out
    for question, code in book.questions.items():
        if answers.get(question) is True:
            out.append(Flag(
                code=code,
                signal=question,
                evidence="",
                start=0,
                end=0,
                explanation=lang.answer_explanations.get(question) or lang.explanations[code],
                weight=float(book.codes[code]["weight"]),
            ))
    return out


def score_flags(flags: List[Flag], book: RuleBook) -> Tuple[float, str, str]:
    """Return (score, risk, reason) for the given flags."""
    strongest: Dict[str, float] = {}
    for f in flags:
        if f.code not in strongest or abs(f.weight) > abs(strongest[f.code]):
            strongest[f.code] = f.weight
    red = sum(w for w in strongest.values() if w > 0)
    protective = sum(w for w in strongest.values() if w < 0)
    cap = float(book.risk.get("protective_cap", 3.0))
    score = round(red + max(protective, -cap), 2)
    codes: Set[str] = {c for c, w in strongest.items() if w > 0}
    combining: Set[str] = {
        f.code for f in flags
        if f.weight > 0 and (f.signal not in book.signals or book.signals[f.signal].combines)
    }
    for code in book.risk.get("always_high", []):
        if code in codes:
            return score, "high", f"always high: {code}"
    for combo in book.risk.get("high_combinations", []):
        need, any_of = set(combo.get("all", [])), set(combo.get("any", []))
        if need <= combining and (not any_of or combining & any_of):
            hit = sorted(combining & any_of)
            return score, "high", "combination: " + " + ".join(sorted(need) + hit[:1])
    if score >= float(book.risk.get("high_score", 5.0)):
        return score, "high", f"score {score} >= {book.risk.get('high_score')}"
    if score >= float(book.risk.get("medium_score", 2.0)):
        return score, "medium", f"score {score} >= {book.risk.get('medium_score')}"
    return score, "low", f"score {score} < {book.risk.get('medium_score')}"
