"""The danger-only classifier trains on danger_* against everything else, persists, and loads back."""
import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_plugins.danger_binary_model import DangerBinaryModel, fold_text, top_features
from bot.rasa_plugins.danger_vote import DANGER_VOTE_KEY, DangerVote

DANGER = [
    ("danger_threat", "they said they know where i live and will hurt my mom"),
    ("danger_threat", "dijeron que saben donde vivo y que van a lastimar a mi mama"),
    ("danger_weapon", "he showed me a gun and said get in the car"),
    ("danger_weapon", "me enseño una pistola y me dijo que me subiera"),
    ("danger_friend_missing", "my friend went to do a job and never came back"),
    ("danger_friend_missing", "mi amigo se fue a un jale y ya no regreso"),
]
OTHER = [
    ("out_of_scope", "running late sorry, be there in ten"),
    ("out_of_scope", "ya voy saliendo de la escuela, nos vemos"),
    ("greet", "hey whats up"),
    ("greet", "hola que onda"),
    ("red_flags", "what are the red flags of a fake job"),
    ("red_flags", "cuales son las señales de alerta"),
]


def _training_data():
    return TrainingData([Message(data={"text": text, "intent": intent}) for intent, text in DANGER + OTHER])


@pytest.fixture
def trained(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("danger_vote")
    context = ExecutionContext(GraphSchema({}), "test")
    component = DangerVote.create(DangerVote.get_default_config(), storage, resource, context)
    component.train(_training_data())
    return component, storage, resource, context


def _scores(component, texts):
    messages = component.process([Message(data={"text": t}) for t in texts])
    return [m.get(DANGER_VOTE_KEY)["score"] for m in messages]


def test_scores_danger_above_everyday_text(trained):
    component = trained[0]
    danger, everyday = _scores(component, ["they know where i live", "ya voy saliendo, nos vemos"])
    assert danger > 0 > everyday


def test_persisted_model_loads_with_the_same_scores(trained):
    component, storage, resource, context = trained
    texts = ["me enseño una pistola", "hey whats up", "", "🙂"]
    loaded = DangerVote.load(DangerVote.get_default_config(), storage, resource, context)
    assert _scores(loaded, texts) == _scores(component, texts)


def test_two_trainings_give_the_same_model():
    texts, labels = [t for _, t in DANGER + OTHER], [i.startswith("danger_") for i, _ in DANGER + OTHER]
    first, second = DangerBinaryModel.fit(texts, labels), DangerBinaryModel.fit(texts, labels)
    assert np.array_equal(first.coef, second.coef) and first.intercept == second.intercept


def test_training_without_both_classes_fails_clearly():
    with pytest.raises(ValueError, match="both danger"):
        DangerBinaryModel.fit(["hola", "hey"], [False, False])


def test_loading_a_model_without_the_files_names_the_fix(tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    with pytest.raises(ValueError, match="make train"):
        DangerVote.load(DangerVote.get_default_config(), storage, Resource("missing"), context)


def test_folding_makes_spellings_one_feature():
    assert fold_text("Está AQUÍÍÍ, don’t") == fold_text("esta aquii, dont")


def test_top_features_name_what_pushes_towards_danger():
    """When one word alone tells the classes apart, it is among the features listed first."""
    phrases = ["nos vemos al rato", "see you later", "ya llegue", "im home", "que onda", "whats up"]
    model = DangerBinaryModel.fit(["pistola " + p for p in phrases] + phrases, [True] * 6 + [False] * 6)
    assert "pistola" in top_features(model, n=10)
