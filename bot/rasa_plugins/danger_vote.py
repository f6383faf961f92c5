"""Trainable NLU component: a danger-only classifier whose score is one vote in the safety net.

Why: the safety net (``danger_safety_net.DangerSafetyNet``) should not rest on DIET and the phrase
rules alone. This component learns one question from the same training data, danger_* intents
against everything else (everyday and personal chat included), with its own features (see
``danger_binary_model``). It never changes the intent itself: it adds ``danger_vote`` with the
log-odds score to the parse result, and the safety net, which runs after it, combines the votes.
It is trained by ``rasa train`` with a fixed seed and saved inside the model like any component.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_plugins.danger_binary_model import DangerBinaryModel
from bot.rasa_plugins.saved_model_component import SavedModelComponent

DANGER_VOTE_KEY = "danger_vote"
DANGER_INTENT_PREFIX = "danger_"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class DangerVote(SavedModelComponent):
    MODEL_CLASS = DangerBinaryModel
    MODEL_NAME = "danger classifier"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # c: inverse regularisation of the logistic regression (picked by 5-fold cross-validation
        # on the training data); random_seed: two trainings give the same model.
        return {"c": 10.0, "random_seed": 2024}

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        texts = [m.get(TEXT) for m in examples]
        labels = [str(m.get(INTENT)).startswith(DANGER_INTENT_PREFIX) for m in examples]
        return self._save(DangerBinaryModel.fit(texts, labels, c=float(self._config["c"]),
                                                seed=int(self._config["random_seed"])))

    def process(self, messages: List[Message]) -> List[Message]:
        texts = [m.get(TEXT) or "" for m in messages]
        for message, score in zip(messages, self._trained_model().scores(texts)):
            message.set(DANGER_VOTE_KEY, {"score": round(float(score), 4)}, add_to_output=True)
        return messages
