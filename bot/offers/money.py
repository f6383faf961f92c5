"""Find pay amounts in an offer and judge them.

Why: the amount and *what it is paid for* separate a lure from a job.
"$1,500 per trip" or "2 mil por cabeza" is how smuggling runs are priced;
"$15/hr" is a normal teen wage and counts in the offer's favour.

Reads the formats teens actually see: "$2k", "2k", "2 racks", "a grand",
"$1,500", "1.500" (Spanish thousands), "$17.50", "2 mil varos", "mil
dólares", "dos mil pesos", ranges like "$1000-$8000" or "de 1000 a 5000",
with the period before or after ("por persona $1500", "$12/hr").
A bare number only counts as money with a currency sign or word, a
multiplier ("k", "racks"), a pay period, or a pay word just before it
("paying 1500"), so ages, phone numbers and times are ignored.

All limits and words come from the rule files (shared.yml `money` and
`currency_words`, each language's `money` block); see shared.yml for what
each threshold means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, asdict
from typing import Any, Dict, Iterable, List, Optional, Tuple

_NUM = r"\d{1,3}(?:[,.]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_PERIOD_ORDER = ("hour", "day", "night", "trip", "unit", "week", "month", "year", "other")
_BOUNDARY = re.compile(r"[.!?;:\n](?:\s|$)|\s[-–—]\s")
_STRONG_MULT = {"k", "grand", "grands", "rack", "racks", "band", "bands", "stack", "stacks"}
# A number longer than any real pay ("$999…9" with hundreds of digits) is read as this much: above
# every limit in shared.yml, and finite, so results stay valid JSON (float() of it would be inf).
MAX_AMOUNT = 1e15


@dataclass
class Amount:
    """One pay amount found in the (normalised, lowercased) text."""

    start: int          # span of amount + period phrase, in normalised text
    end: int
    value: float        # face value (top of a range)
    low: float          # bottom of a range (== value if not a range)
    usd: float          # value in US dollars
    currency: str       # usd | mxn | slang | bare ($ only) | none
    period: Optional[str]  # hour/day/night/trip/unit/week/month/year/other/salary or None

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


def _alt(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _parse_number(raw: str) -> float:
    """'1,500' / '1.500' -> 1500; '17.50' / '17,50' -> 17.5."""
    if re.fullmatch(r"\d{1,3}(?:[,.]\d{3})+(?:[.,]\d{1,2})?", raw):
        m = re.fullmatch(r"(\d{1,3}(?:[,.]\d{3})+)(?:[.,](\d{1,2}))?", raw)
        assert m is not None
        whole = re.sub(r"[,.]", "", m.group(1))
        return float(whole) + (float("0." + m.group(2)) if m.group(2) else 0.0)
    return float(raw.replace(",", "."))


class MoneyReader:
    """Compiled money patterns for all languages (posts mix them)."""

    def __init__(self, shared_money: Dict[str, Any], currency_words: Dict[str, List[str]],
                 language_money: Dict[str, Dict[str, Any]]):
        self.cfg = shared_money
        self.mult = {str(k): float(v) for k, v in shared_money.get("multipliers", {}).items()}
        self.currency_of: Dict[str, str] = {}
        for kind, words in currency_words.items():
            for w in words:
                self.currency_of[str(w)] = kind
        number_words: Dict[str, float] = {}
        pay_words: List[str] = []
        anchors: List[str] = []
        periods: Dict[str, List[str]] = {}
        for money in language_money.values():
            number_words.update({str(k): float(v) for k, v in (money.get("number_words") or {}).items()})
            pay_words += [str(w) for w in money.get("pay_words", [])]
            anchors += [str(w) for w in money.get("anchors", [])]
            for name, regexes in (money.get("periods") or {}).items():
                periods.setdefault(name, []).extend(regexes)
        self.number_words = number_words
        mult = _alt(self.mult)
        units = _alt(self.currency_of)
        words = _alt(number_words)
        amount = (
            r"(?:(?P<cur{n}>us\$|usd\s?\$?|mxn\s?\$?|\$)\s?)?"
            r"(?:(?P<num{n}>" + _NUM + r")(?![\d%])"
            r"|(?P<word{n}>\b(?:" + words + r"))(?=\s(?:" + mult + r")\b)"
            r"|(?P<bare{n}>\bmil)(?=\s?(?:" + units + r")\b))"
            r"(?:\s?(?P<mult{n}>" + mult + r")(?![a-z]))?"
        )
        self.amount_re = re.compile(
            r"(?<![\w.,$])" + amount.replace("{n}", "1")
            + r"(?:\s?(?:-|–|—|to|a|hasta|y|or|o)\s?" + amount.replace("{n}", "2") + r")?"
            + r"(?:\s?(?P<unit>" + units + r")(?![a-z]))?"
        )
        self.period_res = [(name, re.compile(rx)) for name in _PERIOD_ORDER for rx in periods.get(name, [])]
        self.pay_re = re.compile(r"\b(?:" + _alt(pay_words) + r")\b") if pay_words else None
        self.anchor_re = re.compile(r"\b(?:" + _alt(anchors) + r")\b") if anchors else None

    # -- finding -------------------------------------------------------
    def _value(self, m: "re.Match[str]", n: int) -> Optional[float]:
        num, word, bare, mult = m.group(f"num{n}"), m.group(f"word{n}"), m.group(f"bare{n}"), m.group(f"mult{n}")
        if num:
            base = _parse_number(num)
        elif word:
            base = self.number_words.get(word, 1.0)
        elif bare:
            base, mult = 1.0, bare
        else:
            return None
        value = base * self.mult.get(mult, 1.0) if mult else base
        return min(value, MAX_AMOUNT)

    def _period_after(self, text: str, end: int) -> Tuple[Optional[str], int]:
        window = text[end:end + 32]
        cut = _BOUNDARY.search(window)
        if cut:
            window = window[:cut.start()]
        best: Optional[Tuple[int, int, str, int]] = None
        for rank, (name, rx) in enumerate(self.period_res):
            pm = rx.search(window)
            if pm and pm.start() <= 14 and (best is None or (pm.start(), rank) < best[:2]):
                best = (pm.start(), rank, name, pm.end())
        return (best[2], end + best[3]) if best else (None, end)

    def _period_before(self, text: str, start: int) -> Tuple[Optional[str], int]:
        lo = max(0, start - 28)
        window = text[lo:start]
        cuts = list(_BOUNDARY.finditer(window))
        if cuts:
            lo += cuts[-1].end()
            window = text[lo:start]
        best: Optional[Tuple[int, str, int]] = None
        for name, rx in self.period_res:
            if name == "other":
                continue
            for pm in rx.finditer(window):
                gap = len(window) - pm.end()
                if len(window[pm.end():].strip(" $:de")) == 0 and (best is None or gap < best[0]):
                    best = (gap, name, lo + pm.start())
        if best:
            return best[1], best[2]
        if self.anchor_re and self.anchor_re.search(window):
            return "salary", start
        return None, start

    def find(self, text: str) -> List[Amount]:
        """All pay amounts in ``text`` (normalised and lowercased)."""
        found: List[Amount] = []
        for m in self.amount_re.finditer(text):
            v1 = self._value(m, 1)
            if v1 is None:
                continue
            v2 = self._value(m, 2)
            unit = m.group("unit")
            cur = m.group("cur1") or m.group("cur2") or ""
            mult = m.group("mult1") or m.group("mult2") or ""
            if v2 is not None and m.group("mult2") and not m.group("mult1") and m.group("num1"):
                v1 *= self.mult.get(m.group("mult2"), 1.0)  # "2-3k" means 2000-3000
            if unit:
                currency = self.currency_of.get(unit, "usd")
            elif "mxn" in cur:
                currency = "mxn"
            elif "us" in cur:
                currency = "usd"
            elif cur:
                currency = "bare"
            else:
                currency = "none"
            period, p_end = self._period_after(text, m.end())
            start, end = m.start(), p_end
            if period is None:
                period, start = self._period_before(text, m.start())
            if currency == "none" and mult not in _STRONG_MULT:
                before = text[max(0, m.start() - 24):m.start()]
                has_pay_word = bool(self.pay_re and self.pay_re.search(before))
                if not has_pay_word and period in (None, "other", "salary", "year"):
                    continue
            values = [v for v in (v1, v2) if v is not None]
            top, bottom = max(values), min(values)
            rate = float(self.cfg.get("usd_per_mxn", 0.055)) if currency == "mxn" else 1.0
            found.append(Amount(start=start, end=end, value=top, low=bottom,
                                usd=round(top * rate, 2), currency=currency, period=period))
        return found

    # -- judging -------------------------------------------------------
    def judge(self, amounts: List[Amount], language: str) -> List[Tuple[str, Amount]]:
        """Map amounts to signal names (see shared.yml `money` for the limits)."""
        cfg = self.cfg
        lo_h, hi_h = (float(x) for x in cfg.get("hourly_normal", [9, 22]))
        out: List[Tuple[str, Amount]] = []
        for a in amounts:
            # In Spanish, "$" alone or slang may mean pesos: salaries are not judged.
            ambiguous = language == "es" and a.currency in ("bare", "slang", "none")
            usd, low_usd = a.usd, a.usd * (a.low / a.value if a.value else 1)
            if a.period == "hour":
                if a.currency != "none" and lo_h <= low_usd and usd <= hi_h:
                    out.append(("hourly_pay", a))
                elif usd > float(cfg.get("hourly_high", 40)) and not ambiguous:
                    out.append(("high_rate", a))
            elif a.period in ("day", "night"):
                if usd >= float(cfg.get("per_day_high", 400)):
                    out.append(("pay_per_trip", a))
            elif a.period in ("trip", "unit"):
                if usd >= float(cfg.get("per_trip_high", 300)):
                    out.append(("pay_per_trip", a))
            elif a.period == "week":
                if ambiguous:
                    if a.value >= float(cfg.get("per_week_high_mxn", 6000)):
                        out.append(("high_rate", a))
                elif usd >= float(cfg.get("per_week_high", 2000)):
                    out.append(("high_rate", a))
            elif a.period == "month":
                if usd >= float(cfg.get("per_month_high", 8000)) and not ambiguous:
                    out.append(("high_rate", a))
            elif a.period == "other":
                if usd >= float(cfg.get("per_trip_high", 300)):
                    out.append(("large_amount", a))
            elif a.period is None:
                if usd >= float(cfg.get("unanchored_high", 800)):
                    out.append(("large_amount", a))
        return out


_DEFAULT_READER: Optional[MoneyReader] = None


def parse_amounts(text: str) -> List[Amount]:
    """Convenience: amounts in ``text`` using the packaged rules (for tests, tools).

    Offsets refer to the normalised text, which for plain ASCII input is the
    input itself.
    """
    global _DEFAULT_READER
    from .normalize import lower_same_length, normalize
    from .rulebook import load_rulebook

    if _DEFAULT_READER is None:
        book = load_rulebook()
        _DEFAULT_READER = MoneyReader(book.money, book.money.get("currency_words", {}),
                                      {k: v.money for k, v in book.languages.items()})
    return _DEFAULT_READER.find(lower_same_length(normalize(text).text))
