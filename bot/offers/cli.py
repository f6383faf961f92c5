"""Command line for the offer analyzer.

Why: lets people check an offer, or a file of offers, without running the
bot, and gives tests and scripts a stable JSON interface.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional, TextIO

HELP = """\
Check a job offer for smuggling-recruitment and job-scam red flags.

examples:
  python -m bot.offers "Need drivers tonight, $1500 per trip, DM me"
  echo "Se buscan choferes, 2 mil por viaje" | python -m bot.offers
  python -m bot.offers --lang es "Trabajo fácil, solo manejar"
  python -m bot.offers --jsonl < offers.jsonl > results.jsonl

Output is JSON: risk (high/medium/low), score, language, flags (code,
evidence = the exact words that raised it, explanation), protective
signals, and follow-up questions when the text is too short to judge.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.offers",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("text", nargs="*", help="offer text (read from stdin when omitted)")
    parser.add_argument("--lang", choices=["en", "es"], help="force the language instead of guessing it")
    parser.add_argument(
        "--jsonl",
        action="store_true",
        help='read one JSON object per line from stdin ({"text": ..., optional "language", "answers", "id"}) '
        "and write one result per line; bad lines give {\"error\": ...}",
    )
    parser.add_argument("--compact", action="store_true", help="print single-line JSON")
    return parser


def _dump(obj: object, out: TextIO, compact: bool) -> None:
    out.write(json.dumps(obj, ensure_ascii=False, indent=None if compact else 2) + "\n")


def _run_jsonl(analyzer, lang: Optional[str], src: TextIO, out: TextIO) -> int:
    for number, line in enumerate(src, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError('expected an object with a string "text"')
            answers = item.get("answers") if isinstance(item.get("answers"), dict) else None
            result = analyzer.analyze(item["text"], language=lang or item.get("language"), answers=answers)
            data = result.to_dict()
            if "id" in item:
                data = {"id": item["id"], **data}
        except Exception as exc:  # a bad line must never stop the batch
            data = {"error": f"line {number}: {exc}"}
        _dump(data, out, compact=True)
        out.flush()
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    # Invalid bytes on stdin become surrogates instead of an error; anything
    # unprintable on the way out is written as a \u escape, never a crash.
    for stream, errors in ((sys.stdin, "surrogateescape"), (sys.stdout, "backslashreplace")):
        try:
            stream.reconfigure(encoding="utf-8", errors=errors)  # type: ignore[attr-defined]
        except (AttributeError, ValueError):
            pass
    from .analyzer import default_analyzer

    analyzer = default_analyzer()
    if args.jsonl:
        return _run_jsonl(analyzer, args.lang, sys.stdin, sys.stdout)
    text = " ".join(args.text) if args.text else sys.stdin.read()
    result = analyzer.analyze(text, language=args.lang)
    _dump(result.to_dict(), sys.stdout, compact=args.compact)
    return 0
