"""The offer analyzer: "is this job offer legit?", with reasons.

Why: teens get DMs and posts offering "easy money" for driving. The bot
needs a verdict it can *explain*: every red flag quotes the exact words of
the offer that raised it and says, in the teen's language, why it matters.
Nothing here is a statistical model; the rules live in rules/*.yml.

Flow of one analysis:
  text -> cut to `analysis.max_chars` -> normalise (normalize.py) ->
  guess language (language.py) -> spaCy tokens + lemmas (pipeline.py) ->
  rule hits (matching.py) + pay amounts (money.py) -> flags and risk
  (scoring.py).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from .language import detect_language, pick_language
from .matching import LanguageMatcher
from .money import MoneyReader
from .normalize import lower_same_length, normalize, word_count
from .pipeline import build_nlp
from .rulebook import LANGUAGES, load_rulebook
from .scoring import Flag, active_signals, answer_flags, make_flags, score_flags

log = logging.getLogger(__name__)


@dataclass
class OfferAnalysis:
    """Result of one analysis; ``to_dict()`` gives plain JSON-ready data."""

    risk: str                      # "high" | "medium" | "low"
    score: float
    language: str                  # "en" | "es"
    flags: List[Flag] = field(default_factory=list)
    protective: List[Flag] = field(default_factory=list)
    too_thin: bool = False
    questions: List[str] = field(default_factory=list)
    truncated: bool = False
    analyzed_chars: int = 0
    reason: str = ""
    amounts: List[Dict[str, Any]] = field(default_factory=list)
    error: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        data = {
            "risk": self.risk,
            "score": self.score,
            "language": self.language,
            "flags": [f.to_dict() for f in self.flags],
            "protective": [f.to_dict() for f in self.protective],
            "too_thin": self.too_thin,
            "questions": list(self.questions),
            "truncated": self.truncated,
            "analyzed_chars": self.analyzed_chars,
            "reason": self.reason,
            "amounts": list(self.amounts),
        }
        if self.error:
            data["error"] = self.error
        return data

    @property
    def codes(self) -> List[str]:
        """Distinct red-flag codes, in order of first appearance."""
        return list(dict.fromkeys(f.code for f in self.flags))


class OfferAnalyzer:
    """Loads the rules and spaCy pipelines once; ``analyze`` is then cheap."""

    def __init__(self, rules_dir: Optional[Path] = None, validate_patterns: bool = False):
        """Load rules and pipelines. ``validate_patterns`` makes spaCy check
        every token pattern (used by the tests; adds ~0.2 s)."""
        self.book = load_rulebook(rules_dir)
        self.max_chars = int(self.book.analysis.get("max_chars", 5000))
        self.min_words = int(self.book.analysis.get("min_words", 6))
        self.money_emoji = [str(e) for e in self.book.money.get("money_emoji", [])]
        self.known_words = self.book.known_words()
        self.stopwords = {lang: rules.stopwords for lang, rules in self.book.languages.items()}
        self.nlp = {}
        self.matchers = {}
        for lang in LANGUAGES:
            nlp = build_nlp(lang, self.book.lemma_vocabulary(lang))
            self.nlp[lang] = nlp
            self.matchers[lang] = LanguageMatcher(
                nlp, self.book.languages[lang], self.money_emoji, validate=validate_patterns
            )
        self.money = MoneyReader(
            self.book.money,
            self.book.money.get("currency_words", {}),
            {lang: rules.money for lang, rules in self.book.languages.items()},
        )

    def analyze(
        self,
        text: str,
        language: Optional[str] = None,
        answers: Optional[Dict[str, Any]] = None,
        explain_in: Optional[str] = None,
    ) -> OfferAnalysis:
        """Analyse one offer. Raises TypeError only if ``text`` is not a str.

        ``language`` is the offer's language (detected when None); ``explain_in`` is the teen's,
        for the explanations: a Spanish post pasted into an English chat is matched with the
        Spanish rules and explained in English.
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        try:
            return self._analyze(text, language, answers, explain_in)
        except Exception as exc:  # never let odd input crash the bot
            log.exception("offer analysis failed")
            lang = pick_language(language) or "en"
            return OfferAnalysis(risk="medium", score=0.0, language=lang, reason="analysis error",
                                 error=f"{type(exc).__name__}: could not analyse this text")

    def question_text(self, question: str, language: str = "en") -> str:
        """The wording of a follow-up question, for the bot to ask."""
        rules = self.book.languages.get(pick_language(language) or "en")
        return rules.questions.get(question, question) if rules else question

    # ------------------------------------------------------------------
    def _analyze(
        self, text: str, language: Optional[str], answers: Optional[Dict[str, Any]], explain_in: Optional[str] = None
    ) -> OfferAnalysis:
        truncated = len(text) > self.max_chars
        work = text[: self.max_chars]
        norm = normalize(work, keep_emoji=self.money_emoji, known_words=self.known_words)
        low = lower_same_length(norm.text)
        lang = pick_language(language) or detect_language(norm.text, self.stopwords)
        explain = self.book.languages[pick_language(explain_in) or lang]

        hits: List[Tuple[str, int, int]] = []
        if norm.text.strip():
            doc = self.nlp[lang](norm.text)
            hits = [(h.signal, h.start, h.end) for h in self.matchers[lang].match(doc)]
        amounts = self.money.find(low)
        hits += [(signal, a.start, a.end) for signal, a in self.money.judge(amounts, lang)]

        flags = make_flags(active_signals(hits, self.book), self.book, explain, norm.to_original, text)
        red = [f for f in flags if f.weight > 0] + answer_flags(answers, self.book, explain)
        protective = [f for f in flags if f.weight < 0]
        score, risk, reason = score_flags(red + protective, self.book)

        too_thin = word_count(norm.text) < self.min_words and not red and not protective
        answered = answers if isinstance(answers, dict) else {}
        questions = [q for q in self.book.questions if q not in answered] if too_thin else []

        amount_info = []
        for a in amounts:
            start, end = norm.to_original(a.start, a.end)
            amount_info.append({"evidence": text[start:end], "start": start, "end": end,
                                "usd": a.usd, "currency": a.currency, "period": a.period})
        return OfferAnalysis(
            risk=risk, score=score, language=lang, flags=red, protective=protective,
            too_thin=too_thin, questions=questions, truncated=truncated,
            analyzed_chars=len(work), reason=reason, amounts=amount_info,
        )


_DEFAULT: Optional[OfferAnalyzer] = None
_LOCK = threading.Lock()


def default_analyzer() -> OfferAnalyzer:
    """The shared analyzer, built on first use (thread-safe)."""
    global _DEFAULT
    if _DEFAULT is None:
        with _LOCK:
            if _DEFAULT is None:
                _DEFAULT = OfferAnalyzer()
    return _DEFAULT


def analyze_offer(
    text: str, language: Optional[str] = None, answers: Optional[Dict[str, Any]] = None,
    explain_in: Optional[str] = None,
) -> OfferAnalysis:
    """Analyse ``text`` with the shared analyzer (see OfferAnalyzer.analyze)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    return default_analyzer().analyze(text, language=language, answers=answers, explain_in=explain_in)
