"""The verdict's reasons: one bullet per quoted phrase of the offer.

Why: one phrase often raises two flags ("tonight" is both night work and pressure to decide now;
"hoy" sits inside "hoy en la noche"). Listing the flags one by one quoted the same words twice in a
row, which reads like a glitch on a classroom projector and spends one of the few bullets an SMS
has room for. Flags that quote the same words, or overlapping words, share one bullet that quotes
the longer words and carries every explanation once. Flags without a quote (answers to the
follow-up questions) keep a bullet each.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, List

from .scoring import Flag


@dataclass
class _Bullet:
    quote: str
    spans: List[range] = field(default_factory=list)
    explanations: List[str] = field(default_factory=list)

    def takes(self, flag: Flag) -> bool:
        if not (self.quote and flag.evidence):
            return False
        span = range(flag.start, flag.end)
        return (flag.evidence.casefold() == self.quote.casefold()
                or any(span.start < s.stop and s.start < span.stop for s in self.spans))

    def add(self, flag: Flag) -> None:
        if len(flag.evidence) > len(self.quote):
            self.quote = flag.evidence
        if flag.evidence:
            self.spans.append(range(flag.start, flag.end))
        if flag.explanation not in self.explanations:
            self.explanations.append(flag.explanation)

    def render(self) -> str:
        said = " ".join(self.explanations)
        return f'• "{self.quote}": {said}' if self.quote else f"• {said}"


def reason_bullets(flags: Iterable[Flag], limit: int) -> str:
    """Up to ``limit`` bullets, in the order of the flags (strongest first), one per quote."""
    bullets: List[_Bullet] = []
    for flag in flags:
        bullet = next((b for b in bullets if b.takes(flag)), None)
        if bullet is None:
            if len(bullets) == limit:
                continue
            bullet = _Bullet(quote=flag.evidence)
            bullets.append(bullet)
        bullet.add(flag)
    return "\n".join(b.render() for b in bullets)
