"""What our two trainable NLU components share: a model of ours saved in Rasa's model storage.

Why a base class: ``DangerVote`` and ``IntentEnsemble`` each train one small model of ours (with
``save(directory)`` and ``load(directory)``) and differ only in what they train and how they use
it. Creating, loading and refusing a model that lacks the files live here once.
"""
from __future__ import annotations

from typing import Any, ClassVar, Dict, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData


class SavedModelComponent(GraphComponent):
    """Subclasses set ``MODEL_CLASS`` (has ``load(directory)`` and ``save(directory)``) and
    ``MODEL_NAME`` (for the error message), and implement ``train`` and ``process``."""

    MODEL_CLASS: ClassVar[Any]
    MODEL_NAME: ClassVar[str]

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[Any] = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SavedModelComponent":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "SavedModelComponent":
        try:
            with model_storage.read_from(resource) as directory:
                model = cls.MODEL_CLASS.load(directory)
        except (ValueError, FileNotFoundError) as error:
            # A model without this component's files is a broken model: refusing to load beats
            # silently running the safety net or the intent choice with one vote fewer.
            raise ValueError(f"{cls.__name__}: no trained {cls.MODEL_NAME} in the model ({error}); "
                             "retrain with `make train`") from error
        return cls(config, model_storage, resource, model)

    def _save(self, model: Any) -> Resource:
        """Keep ``model`` for ``process`` and write it into the model storage."""
        self._model = model
        with self._model_storage.write_to(self._resource) as directory:
            model.save(directory)
        return self._resource

    def _trained_model(self) -> Any:
        if self._model is None:
            raise ValueError(f"{type(self).__name__}.process called before training or loading")
        return self._model

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
