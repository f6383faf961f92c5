"""Where the second intent opinion's settings come from: 5-fold cross-validation on data/ only.

Prints, for the linear SVM of ``bot/rasa_plugins/linear_intent_model.py``, the cross-validated
macro F1 for several C, and the cross-validated log-loss of its softmax for several temperatures
(at C = 1). Neither the held-out set (tests/nlu/) nor any benchmark set is read.

    python benchmarks/linear_intents_cv.py [--folds 5]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

from nlu import load_examples  # noqa: E402

C_VALUES = (0.3, 0.5, 1.0, 2.0, 4.0)
TEMPERATURES = (1, 2, 3, 4, 5, 6, 8, 10)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)

    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    from bot.rasa_plugins.text_features import features, fit_features

    rows = [r for path in sorted((ROOT / "data" / "nlu").glob("*/*.yml")) for r in load_examples(path)]
    texts = np.array([t for t, _ in rows], dtype=object)
    labels = np.array([i for _, i in rows])
    print(f"{len(texts)} training examples, {len(set(labels))} intents, {args.folds}-fold cross-validation", flush=True)
    folds = list(StratifiedKFold(args.folds, shuffle=True, random_state=0).split(texts, labels))
    prepared = []
    for number, (train, test) in enumerate(folds, 1):
        print(f"  featurising fold {number}/{len(folds)}…", flush=True)
        vectorizers, train_rows = fit_features(list(texts[train]))
        prepared.append((train, test, train_rows, features(vectorizers, texts[test])))

    margins = None
    for c in C_VALUES:
        started = time.perf_counter()
        predicted = np.empty(len(labels), dtype=object)
        fold_margins = np.zeros((len(labels), len(set(labels))))
        for train, test, train_rows, test_rows in prepared:
            svm = LinearSVC(C=c, random_state=2024, max_iter=5000).fit(train_rows, labels[train])
            predicted[test] = svm.predict(test_rows)
            fold_margins[test] = svm.decision_function(test_rows)
            classes = list(svm.classes_)
        if c == 1.0:
            margins = fold_margins
        macro = f1_score(labels, predicted.astype(str), average="macro")
        print(f"C = {c:<4}  macro F1 {macro:.3f}   ({time.perf_counter() - started:.0f} s)", flush=True)

    truth = np.array([classes.index(label) for label in labels])
    for temperature in TEMPERATURES:
        logits = temperature * margins
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        loss = -np.log(probabilities[np.arange(len(truth)), truth] + 1e-12).mean()
        print(f"temperature {temperature:<3} (C = 1)  log-loss {loss:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
