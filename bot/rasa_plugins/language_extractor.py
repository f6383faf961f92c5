"""NLU component that tags each user message with a ``language`` entity (en|es).

Running inside the Rasa server's NLU pipeline means the ``language`` slot (mapped from this
entity) is filled before any policy picks a response, with no round trip to the action server.
When the detector is unsure (``ok``, ``jaja``, emoji, Spanglish) no entity is emitted, so the
slot keeps the conversation's current language.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language import LanguageDetector

LANGUAGE_ENTITY = "language"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageEntityExtractor(GraphComponent, EntityExtractorMixin):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageEntityExtractor":
        return cls()

    def __init__(self) -> None:
        self._detector = LanguageDetector()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            decision = self._detector.detect(text)
            if decision.language is None:
                continue
            entity = {
                "entity": LANGUAGE_ENTITY,
                "value": decision.language,
                "start": 0,
                "end": len(text),
                "confidence_entity": round(decision.confidence, 3),
                "extractor": self.__class__.__name__,
            }
            message.set(ENTITIES, message.get(ENTITIES, []) + [entity], add_to_output=True)
        return messages
