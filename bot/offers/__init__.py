"""Explainable "is this job offer legit?" analyzer for Señales.

Use::

    from bot.offers import OfferAnalyzer, analyze_offer
    result = analyze_offer("Need drivers tonight, $1500 per trip")
    result.risk            # "high" | "medium" | "low"
    result.to_dict()       # flags with exact evidence and explanations

Rules (patterns, weights, thresholds, explanations) are data files in
``bot/offers/rules/``; see shared.yml for how the score is computed.
Command line: ``python -m bot.offers --help``.
"""

from .analyzer import OfferAnalysis, OfferAnalyzer, analyze_offer, default_analyzer
from .scoring import Flag

__all__ = ["OfferAnalyzer", "OfferAnalysis", "analyze_offer", "default_analyzer", "Flag"]
