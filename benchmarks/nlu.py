"""Intent accuracy on the held-out set (tests/nlu/), per language.

Trains on data/ (through the same fingerprinted training as `make train`, so nothing is retrained
when nothing changed), then classifies every held-out example with the real model and prints
per-language macro F1 and the most frequent confusions. Predictions of `nlu_fallback` count as
errors. The held-out set is never used for training (tests/unit/test_training_data.py checks).

    python benchmarks/nlu.py [--min-f1 0.95] [--model models/senales.tar.gz] [--show-examples N]

Held-out texts are not printed unless asked (``--show-examples``): whoever writes training data
after reading them has made the held-out set a development set, and its F1 stops being honest.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

import yaml  # noqa: E402


def load_examples(path: Path):
    rows = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        for line in block["examples"].splitlines():
            if line.strip().startswith("- "):
                rows.append((line.strip()[2:].strip(), block["intent"]))
    return rows


def quiet_logs() -> None:
    import logging

    from rasa.utils.log_utils import configure_structlog

    logging.getLogger().setLevel(logging.WARNING)
    configure_structlog(logging.WARNING)


async def predict(model: Path, texts):
    from rasa.core.agent import Agent

    quiet_logs()

    agent = Agent.load(str(model))
    predictions = []
    for text in texts:
        result = await agent.parse_message(text)
        predictions.append(result["intent"]["name"])
    return predictions


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Per-language intent macro F1 on the held-out set.")
    parser.add_argument("--model", type=Path, help="use this model instead of training/reusing models/senales.tar.gz")
    parser.add_argument("--min-f1", type=float, default=0.95, help="exit 1 if a language scores below (default 0.95)")
    parser.add_argument("--top-confusions", type=int, default=10)
    parser.add_argument("--show-examples", type=int, default=0, metavar="N",
                        help="also print N misclassified held-out texts (default 0; see the module docstring)")
    args = parser.parse_args(argv)

    from sklearn.metrics import f1_score

    model = args.model
    if model is None:
        from bot.devtools import train
        from bot.devtools.paths import MODEL_FILE

        if train.train() != 0:
            return 1
        model = MODEL_FILE

    failed = False
    for language in ("en", "es"):
        examples = load_examples(ROOT / "tests" / "nlu" / f"{language}.yml")
        texts, truth = zip(*examples)
        started = time.perf_counter()
        predicted = asyncio.run(predict(model, texts))
        elapsed = time.perf_counter() - started
        labels = sorted(set(truth))
        macro = f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)
        accuracy = sum(t == p for t, p in zip(truth, predicted)) / len(truth)
        confusions = Counter((t, p) for t, p in zip(truth, predicted) if t != p)
        print(f"\n{language.upper()}: {len(texts)} held-out examples, {len(labels)} intents")
        print(f"  macro F1   {macro:.3f}   (target ≥ {args.min_f1:.2f})")
        print(f"  accuracy   {accuracy:.3f}")
        print(f"  parse time {1000 * elapsed / len(texts):.1f} ms/message (includes model load)")
        per_intent = f1_score(truth, predicted, labels=labels, average=None, zero_division=0)
        weakest = sorted(zip(per_intent, labels))[:8]
        print("  weakest intents (F1): " + ", ".join(f"{label} {f1:.2f}" for f1, label in weakest))
        if confusions:
            print("  most frequent confusions (true → predicted: count):")
            for (t, p), n in confusions.most_common(args.top_confusions):
                print(f"    {t} → {p}: {n}")
            misses = [(x, t, p) for x, t, p in zip(texts, truth, predicted) if t != p][: args.show_examples]
            if misses:
                print("  examples:")
            for x, t, p in misses:
                print(f"    [{t} → {p}] {x}")
        failed |= macro < args.min_f1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
