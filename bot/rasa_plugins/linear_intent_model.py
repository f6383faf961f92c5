"""A linear intent classifier (one-vs-rest linear SVM) on folded word and character n-grams.

Why: DIET and a linear SVM read the same words but err on different messages; on the training
data's 5-fold cross-validation the SVM alone reached DIET's level, and the two averaged are the
intent second opinion (``intent_ensemble.IntentEnsemble``). Its margins become probabilities by a
softmax with a fixed temperature (5, the value with the lowest cross-validated log-loss on the
training data), so they can be averaged with DIET's confidences.

Saved as plain JSON and NumPy arrays (no pickle), so loading a model file never runs code from it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Sequence, Tuple

import numpy as np
from sklearn.svm import LinearSVC

from bot.rasa_plugins.text_features import Vectorizers, features, fit_features, idf_arrays, restore_vectorizers, vocabularies

MODEL_FILE = "linear_intents.json"
ARRAYS_FILE = "linear_intents.npz"


@dataclass
class LinearIntentModel:
    """Fitted vectorizers, one weight row per intent, and the softmax temperature."""

    vectorizers: Vectorizers
    intents: List[str]
    coef: np.ndarray        # (intents, features)
    intercept: np.ndarray   # (intents,)
    temperature: float

    @classmethod
    def fit(cls, texts: Sequence[str], intents: Sequence[str], c: float = 1.0, temperature: float = 5.0,
            seed: int = 2024) -> "LinearIntentModel":
        if len(set(intents)) < 2:
            raise ValueError("the linear intent model needs examples of at least two intents")
        vectorizers, rows = fit_features(texts)
        svm = LinearSVC(C=c, random_state=seed, max_iter=5000).fit(rows, list(intents))
        return cls(vectorizers, [str(i) for i in svm.classes_], svm.coef_.astype(np.float32),
                   svm.intercept_.astype(np.float32), float(temperature))

    def probabilities(self, texts: Iterable[str]) -> np.ndarray:
        """One row per text: a probability per intent (columns in ``intents`` order)."""
        return self.read(texts)[0]

    def read(self, texts: Iterable[str]) -> Tuple[np.ndarray, np.ndarray]:
        """The probabilities, and per text whether it held any known word or character n-gram: for
        an empty or wholly unknown text the probabilities are the intercepts' alone, an opinion
        about nothing, and the caller should not count them."""
        rows = features(self.vectorizers, texts)
        known = np.diff(rows.indptr) > 0
        margins = np.asarray(rows @ self.coef.T) + self.intercept
        if len(self.intents) == 2:  # LinearSVC keeps one row for two classes
            margins = np.hstack([-margins, margins])
        logits = self.temperature * margins
        logits -= logits.max(axis=1, keepdims=True)
        odds = np.exp(logits)
        return odds / odds.sum(axis=1, keepdims=True), known

    def save(self, directory: Path) -> None:
        meta = {"intents": self.intents, "temperature": self.temperature, "vocabularies": vocabularies(self.vectorizers)}
        (directory / MODEL_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        np.savez_compressed(directory / ARRAYS_FILE, coef=self.coef, intercept=self.intercept,
                            **idf_arrays(self.vectorizers))

    @classmethod
    def load(cls, directory: Path) -> "LinearIntentModel":
        meta = json.loads((directory / MODEL_FILE).read_text(encoding="utf-8"))
        arrays = np.load(directory / ARRAYS_FILE, allow_pickle=False)
        return cls(restore_vectorizers(meta["vocabularies"], arrays), list(meta["intents"]), arrays["coef"],
                   arrays["intercept"], float(meta["temperature"]))
