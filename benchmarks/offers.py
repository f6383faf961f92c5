"""Benchmark the job-offer analyzer (bot/offers) on a blind corpus and SMS ham.

Run from the project root:  python benchmarks/offers.py [--check]

Reports, per language, how many lures and scams are caught (rated high or
medium) and how many legitimate offers raise a false alarm (not rated low);
the share of ordinary SMS messages ("ham") rated high, and spam for info;
load time and per-offer analysis time, next to a baseline (lowercasing and
regex tokenising the same texts) measured in the same run.

benchmarks/data/offers.jsonl was written before the rules, as a blind test
set: do not copy its wording into the rules. With --check the exit code is
1 when a target is missed.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {
    "recall": 0.95,        # lures+scams rated high or medium, per language
    "legit_low": 0.90,     # legit offers rated low, per language
    "ham_high": 0.005,     # SMS ham rated high, at most
    "median_ms": 5.0,      # per-offer analysis time after load
    "load_s": 2.0,         # import + OfferAnalyzer(), median of fresh interpreters
}


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT / "benchmarks" / "data" / "offers.jsonl",
                        help="offers corpus (JSON lines with id, text, language, label)")
    parser.add_argument("--sms", type=Path, default=ROOT.parent / "shared" / "data" / "sms_spam_collection.tsv",
                        help="SMS spam collection TSV (header Label<TAB>SMS)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--repeat", type=int, default=3, help="timing repetitions over the corpus")
    parser.add_argument("--load-runs", type=int, default=3,
                        help="fresh-interpreter load measurements; the median is checked (0: use in-process load)")
    return parser.parse_args()


def _load_corpus(path: Path) -> list:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def _load_sms(path: Path) -> list:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader, None)
        return [(row[0], row[1]) for row in reader if len(row) >= 2]


_COLD_LOAD = (
    "import time; t = time.perf_counter(); "
    "from bot.offers import OfferAnalyzer; OfferAnalyzer(); "
    "print(time.perf_counter() - t)"
)


def _cold_loads(runs: int) -> list:
    """Load time in fresh interpreters (the number a bot restart sees)."""
    out = []
    for _ in range(runs):
        proc = subprocess.run([sys.executable, "-c", _COLD_LOAD], cwd=ROOT, capture_output=True, text=True)
        try:
            out.append(float(proc.stdout.strip().splitlines()[-1]))
        except (ValueError, IndexError):
            print(f"cold load run failed: {proc.stderr[-300:]}")
    return out


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def main() -> int:
    args = _parse_args()
    sys.path.insert(0, str(ROOT))

    t0 = time.perf_counter()
    from bot.offers import OfferAnalyzer  # noqa: E402  (timed on purpose)

    analyzer = OfferAnalyzer()
    load_s = time.perf_counter() - t0

    corpus = _load_corpus(args.corpus)
    results = {}
    for row in corpus:
        results[row["id"]] = analyzer.analyze(row["text"])  # language detected, not given

    print(f"Offer analyzer benchmark — corpus {args.corpus.relative_to(ROOT) if args.corpus.is_relative_to(ROOT) else args.corpus} ({len(corpus)} offers)\n")
    print(f"{'lang':<5} {'lures+scams':>12} {'caught':>8} {'legit':>6} {'false alarms':>13} {'legit low':>10} {'lang ok':>8}")
    failures = []
    missed, alarms = [], []
    for lang in ("en", "es"):
        bad = [r for r in corpus if r["language"] == lang and r["label"] in ("lure", "scam")]
        good = [r for r in corpus if r["language"] == lang and r["label"] == "legit"]
        caught = [r for r in bad if results[r["id"]].risk in ("high", "medium")]
        low = [r for r in good if results[r["id"]].risk == "low"]
        lang_ok = sum(results[r["id"]].language == lang for r in corpus if r["language"] == lang)
        n_lang = sum(r["language"] == lang for r in corpus)
        recall = len(caught) / len(bad) if bad else 1.0
        legit_low = len(low) / len(good) if good else 1.0
        print(f"{lang:<5} {len(bad):>12} {_pct(recall):>8} {len(good):>6} {_pct(1 - legit_low):>13} {_pct(legit_low):>10} {_pct(lang_ok / n_lang):>8}")
        if recall < TARGETS["recall"]:
            failures.append(f"{lang}: recall {_pct(recall)} < {_pct(TARGETS['recall'])}")
        if legit_low < TARGETS["legit_low"]:
            failures.append(f"{lang}: legit rated low {_pct(legit_low)} < {_pct(TARGETS['legit_low'])}")
        missed += [r for r in bad if r not in caught]
        alarms += [r for r in good if r not in low]

    by_label = {}
    for row in corpus:
        by_label.setdefault(row["label"], []).append(results[row["id"]].risk)
    print("\nrisk by label:")
    for label, risks in sorted(by_label.items()):
        counts = {k: risks.count(k) for k in ("high", "medium", "low")}
        print(f"  {label:<6} high {counts['high']:>3}  medium {counts['medium']:>3}  low {counts['low']:>3}")

    sms = _load_sms(args.sms)
    ham_high = spam_high = None
    if sms:
        ham = [t for label, t in sms if label == "ham"]
        spam = [t for label, t in sms if label == "spam"]
        ham_high_ids = [t for t in ham if analyzer.analyze(t).risk == "high"]
        ham_high = len(ham_high_ids) / len(ham)
        spam_high = sum(analyzer.analyze(t).risk == "high" for t in spam) / max(1, len(spam))
        print(f"\nSMS ham rated high: {len(ham_high_ids)}/{len(ham)} = {100 * ham_high:.2f}%   "
              f"(spam rated high, info only: {100 * spam_high:.1f}% of {len(spam)})")
        for t in ham_high_ids[:10]:
            print(f"  ham high: {t[:100]!r}")
        if ham_high > TARGETS["ham_high"]:
            failures.append(f"ham high {100 * ham_high:.2f}% > {100 * TARGETS['ham_high']:.1f}%")
    else:
        print(f"\nSMS collection not found at {args.sms} (use --sms); ham check skipped")

    texts = [r["text"] for r in corpus]
    token_re = re.compile(r"\w+", re.UNICODE)
    times, base = [], []
    for _ in range(max(1, args.repeat)):
        for text in texts:
            t = time.perf_counter()
            analyzer.analyze(text)
            times.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            token_re.findall(text.lower())
            base.append((time.perf_counter() - t) * 1000)
    median = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[-1]
    base_median = statistics.median(base)
    cold = _cold_loads(args.load_runs) if args.load_runs > 0 else []
    checked_load = statistics.median(cold) if cold else load_s
    print(f"\nload (import + OfferAnalyzer()): in this process {1000 * load_s:.0f} ms"
          + (f"; fresh interpreters {', '.join(f'{1000 * c:.0f}' for c in cold)} ms, median {1000 * checked_load:.0f} ms"
             if cold else ""))
    print(f"analysis per offer: median {median:.2f} ms, p95 {p95:.2f} ms "
          f"(baseline lower()+regex tokenise: median {base_median * 1000:.1f} µs; ratio {median / base_median:.0f}x)")
    if median > TARGETS["median_ms"]:
        failures.append(f"median {median:.2f} ms > {TARGETS['median_ms']} ms")
    if checked_load > TARGETS["load_s"]:
        failures.append(f"load {checked_load:.2f} s > {TARGETS['load_s']} s")

    print("\nmisclassified corpus ids:")
    for row in missed:
        res = results[row["id"]]
        print(f"  MISSED {row['id']:<14} {res.risk:<6} score {res.score:<5} codes {res.codes}")
    for row in alarms:
        res = results[row["id"]]
        print(f"  ALARM  {row['id']:<14} {res.risk:<6} score {res.score:<5} codes {res.codes}")
    if not missed and not alarms:
        print("  (none)")

    print("\ntargets: " + ("all met" if not failures else "MISSED: " + "; ".join(failures)))
    return 1 if (failures and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
