"""A danger-or-not linear model on folded word and character n-grams: the second opinion on danger.

Why: DIET spreads its confidence over eighteen intents, and a danger message written in everyday
words can end up as "everyday chat" even when most of its mass sits on the seven danger intents
together. A model trained on one question only (is this danger, of any type?) with its own
features (TF-IDF of folded words 1–2 and characters 2–5, weighted so the two classes count
equally) errs on different messages, so it is a useful independent vote for the safety net.

The model is saved as plain JSON and NumPy arrays (no pickle), so loading a model file never runs
code from it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

from bot.rasa_plugins.text_features import (  # noqa: F401 (fold_text: tests)
    Vectorizers, features, fit_features, fold_text, idf_arrays, restore_vectorizers, vocabularies)

MODEL_FILE = "danger_binary.json"
ARRAYS_FILE = "danger_binary.npz"


@dataclass
class DangerBinaryModel:
    """Fitted vectorizers plus a logistic regression; ``score`` is the log-odds of danger."""

    vectorizers: Vectorizers
    coef: np.ndarray
    intercept: float

    @classmethod
    def fit(cls, texts: Sequence[str], is_danger: Sequence[bool], c: float = 10.0, seed: int = 2024) -> "DangerBinaryModel":
        labels = np.asarray(is_danger, dtype=int)
        if len(set(labels.tolist())) < 2:
            raise ValueError("the danger vote needs both danger_* and other examples to train")
        vectorizers, rows = fit_features(texts)
        classifier = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=seed)
        classifier.fit(rows, labels)
        return cls(vectorizers, classifier.coef_[0].copy(), float(classifier.intercept_[0]))

    def scores(self, texts: Iterable[str]) -> np.ndarray:
        return features(self.vectorizers, texts) @ self.coef + self.intercept

    def score(self, text: str) -> float:
        return float(self.scores([text])[0])

    def save(self, directory: Path) -> None:
        meta = {"intercept": self.intercept, "vocabularies": vocabularies(self.vectorizers)}
        (directory / MODEL_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        np.savez(directory / ARRAYS_FILE, coef=self.coef, **idf_arrays(self.vectorizers))

    @classmethod
    def load(cls, directory: Path) -> "DangerBinaryModel":
        meta = json.loads((directory / MODEL_FILE).read_text(encoding="utf-8"))
        arrays = np.load(directory / ARRAYS_FILE, allow_pickle=False)
        return cls(restore_vectorizers(meta["vocabularies"], arrays), arrays["coef"], float(meta["intercept"]))


def top_features(model: DangerBinaryModel, n: int = 20) -> List[str]:
    """The n-grams that push hardest towards danger (for a human reading what the model learned)."""
    names = [name for v in model.vectorizers.values() for name, _ in sorted(v.vocabulary_.items(), key=lambda kv: kv[1])]
    return [names[i] for i in np.argsort(-model.coef)[:n]]
