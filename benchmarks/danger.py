"""Danger escalation: recall on held-out danger messages, false escalations on everyday text.

Classifies with the real trained model, which includes the phrase safety net
(bot/rasa_plugins/danger_safety_net.py), exactly as the Rasa server does. A message counts as
escalated when its intent is any danger_* intent; the type is reported but not required to match
(any danger reply gives 911 and a hotline). Sets, none used for training:
  benchmarks/data/danger.jsonl       danger messages per language (target recall ≥ 98%). The
                                     development set: phrase rules were widened after reading
                                     its misses, so its recall flatters the rules.
  benchmarks/data/danger_fresh.jsonl the blind set: written by someone who saw neither the rules
                                     nor the training data, and never used to tune either. Its
                                     recall is the honest figure.
  benchmarks/data/not_danger.jsonl, not_danger_fresh.jsonl
                                     idioms, jokes, topic questions, everyday texts (≤ 1% escalated)
  ../shared/data/sms_spam_collection.tsv  the 4,827 real `ham` SMS (target ≤ 0.5% escalated),
                                     split in two halves by a hash of the text: the misses of
                                     the "look" half may be read (``--show``) to find rules that
                                     fire on everyday text; the "held-out" half is never printed,
                                     so its rate is the honest one. Never used for training.

    python benchmarks/danger.py [--model models/senales.tar.gz] [--sms PATH] [--check]
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

TARGETS = {"recall": 0.98, "idioms": 0.01, "ham": 0.005}


def load_jsonl(path: Path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_ham(path: Path):
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()[1:]
    return [line.split("\t", 1)[1] for line in lines if line.startswith("ham\t")]


def ham_half(text: str) -> str:
    """"look" or "held-out": a fixed split, the same on every machine and every run."""
    return "look" if hashlib.sha256(text.encode("utf-8")).digest()[0] % 2 == 0 else "held-out"


async def classify(model: Path, texts):
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    logging.getLogger().setLevel(logging.WARNING)
    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))
    results = []
    for text in texts:
        parsed = await agent.parse_message(text)
        results.append((parsed["intent"]["name"], "danger_safety_net" in parsed, decided_by(parsed)))
    return results


def decided_by(parsed) -> str:
    """Which vote gave (or took away) the danger intent: for the per-vote counts only."""
    net = parsed.get("danger_safety_net") or {}
    if "rule" in net:
        return "phrase rule"
    if "demoted" in net:
        return "demoted: " + str(net.get("reason"))
    if net.get("reason"):
        return str(net["reason"])
    return "DIET"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Danger escalation recall and false alarms.")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "senales.tar.gz")
    parser.add_argument("--sms", type=Path, default=ROOT.parent / "shared" / "data" / "sms_spam_collection.tsv")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--show", type=int, default=8, help="misclassified development-set examples to print")
    parser.add_argument("--dev-only", action="store_true",
                        help="skip the blind sets (for work in progress: keep them for the final figures)")
    args = parser.parse_args(argv)
    if not args.model.exists():
        print(f"✘ no model at {args.model}: run `make train`", file=sys.stderr)
        return 1

    data = ROOT / "benchmarks" / "data"
    danger = [dict(r, set="dev") for r in load_jsonl(data / "danger.jsonl")]
    not_danger = [dict(r, set="dev") for r in load_jsonl(data / "not_danger.jsonl")]
    sets = ("dev",) if args.dev_only else ("dev", "blind")
    if not args.dev_only:
        danger += [dict(r, set="blind") for r in load_jsonl(data / "danger_fresh.jsonl")]
        not_danger += [dict(r, set="blind") for r in load_jsonl(data / "not_danger_fresh.jsonl")]
    ham = load_ham(args.sms) if args.sms.exists() else []
    texts = [r["text"] for r in danger] + [r["text"] for r in not_danger] + ham
    print(f"Classifying {len(texts)} messages with {args.model.name}…", flush=True)
    started = time.perf_counter()
    results = asyncio.run(classify(args.model, texts))
    elapsed = time.perf_counter() - started
    d_res, n_res, h_res = results[: len(danger)], results[len(danger): len(danger) + len(not_danger)], results[len(danger) + len(not_danger):]

    ok = True
    print(f"\n{'set':<34}{'n':>6}{'escalated':>11}{'rate':>9}   target")
    for which in sets:
        for language in ("en", "es"):
            rows = [(r, res) for r, res in zip(danger, d_res) if r["language"] == language and r["set"] == which]
            hits = sum(res[0].startswith("danger_") for _, res in rows)
            net = sum(res[0].startswith("danger_") and res[1] for _, res in rows)
            rate = hits / len(rows)
            ok &= rate >= TARGETS["recall"]
            print(f"{f'danger {which} ({language}) recall':<34}{len(rows):>6}{hits:>11}{rate:>9.1%}   ≥ {TARGETS['recall']:.0%}  (safety net decided {net})")
            same_type = sum(res[0] == "danger_" + r["danger_type"] for r, res in rows)
            print(f"{'  … with the exact danger type':<34}{'':>6}{same_type:>11}{same_type / len(rows):>9.1%}")
    for which in sets:
        for language in ("en", "es"):
            rows = [(r, res) for r, res in zip(not_danger, n_res) if r["language"] == language and r["set"] == which]
            false = sum(res[0].startswith("danger_") for _, res in rows)
            ok &= false / len(rows) <= TARGETS["idioms"]
            print(f"{f'not danger {which} ({language})':<34}{len(rows):>6}{false:>11}{false / len(rows):>9.1%}   ≤ {TARGETS['idioms']:.0%}")
    if ham:
        false = sum(res[0].startswith("danger_") for res in h_res)
        ok &= false / len(ham) <= TARGETS["ham"]
        print(f"{'real SMS ham':<34}{len(ham):>6}{false:>11}{false / len(ham):>9.2%}   ≤ {TARGETS['ham']:.1%}")
        for half in ("look", "held-out"):
            rows = [res for text, res in zip(ham, h_res) if ham_half(text) == half]
            false = sum(res[0].startswith("danger_") for res in rows)
            print(f"{f'  … {half} half':<34}{len(rows):>6}{false:>11}{false / len(rows):>9.2%}")
    else:
        print(f"(SMS collection not found at {args.sms}; skipped)")
    print(f"\n{1000 * elapsed / len(texts):.1f} ms per message (model parse incl. safety net)")
    print("\nWhich vote decided (counts):")
    for label, results in (("danger caught", [res for res in d_res if res[0].startswith("danger_")]),
                           ("false escalations, not-danger sets", [res for res in n_res if res[0].startswith("danger_")]),
                           ("false escalations, ham SMS", [res for res in h_res if res[0].startswith("danger_")]),
                           ("danger demoted by a veto", [res for res in d_res + n_res + h_res if res[2].startswith("demoted")])):
        print(f"  {label}: {dict(Counter(res[2] for res in results).most_common())}")

    # Individual messages are printed for the development sets and the "look" half of the real SMS
    # only: reading the blind sets' or the held-out half's misses would turn them into tuning data.
    missed = [(r["language"], r["danger_type"], r["text"], res[0]) for r, res in zip(danger, d_res)
              if r["set"] == "dev" and not res[0].startswith("danger_")]
    if missed and args.show:
        print("\nMissed danger (development set):")
        for m in missed[: args.show * 2]:
            print("  ", m)
    false_alarms = [(r["language"], r.get("kind"), r["text"], res[0]) for r, res in zip(not_danger, n_res)
                    if r["set"] == "dev" and res[0].startswith("danger_")]
    if false_alarms and args.show:
        print("\nFalse escalations (development set):")
        for f in false_alarms[: args.show * 2]:
            print("  ", f)
    ham_alarms = [(text, res[0], res[2]) for text, res in zip(ham, h_res)
                  if ham_half(text) == "look" and res[0].startswith("danger_")]
    if ham_alarms and args.show:
        print("\nFalse escalations (real SMS, look half only):")
        for f in ham_alarms[: args.show * 2]:
            print("  ", f)
    by_type = Counter(res[0] for res in d_res)
    print("\nPredicted intents on the danger set:", dict(by_type.most_common()))
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
