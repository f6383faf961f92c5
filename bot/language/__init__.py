"""Decides which language (English or Spanish) a teen is writing in.

The decision lives here, not in Rasa config, so the same rules serve the NLU component, the
channels and the tests.
"""
from bot.language.detector import LanguageDecision, LanguageDetector, SUPPORTED_LANGUAGES

__all__ = ["LanguageDecision", "LanguageDetector", "SUPPORTED_LANGUAGES"]
