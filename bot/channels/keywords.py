"""Carrier keywords a whole SMS can be: opt-out, opt-in and help.

Twilio's own lists (its Advanced Opt-Out defaults) plus AYUDA for Spanish help. A keyword only
counts when it is the entire message (after trimming, any case, trailing punctuation ignored), as
carriers treat it: "stop texting me about jobs" still goes to the conversation.
"""
from __future__ import annotations

from typing import Optional

OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
OPT_IN = {"START", "UNSTOP", "YES"}
HELP = {"HELP": "en", "INFO": "en", "AYUDA": "es"}


def keyword(text: str) -> Optional[str]:
    """"opt_out", "opt_in", "help_en", "help_es" or None."""
    word = (text or "").strip().rstrip(".!¡?¿").strip().upper()
    if word in OPT_OUT:
        return "opt_out"
    if word in OPT_IN:
        return "opt_in"
    if word in HELP:
        return f"help_{HELP[word]}"
    return None
