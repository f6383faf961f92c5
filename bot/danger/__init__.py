"""Danger recognition that does not rest on one classifier.

The NLU model has danger intents; this package is the safety net behind it: phrase rules per
language (rules/en.yml, rules/es.yml) that catch what the classifier misses, with an idiom list
so "my mom is gonna kill me" is not escalated.
"""
from bot.danger.rules import DANGER_TYPES, DangerMatch, DangerRules, default_rules

__all__ = ["DANGER_TYPES", "DangerMatch", "DangerRules", "default_rules"]
