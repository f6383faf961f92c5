"""The intent second opinion: trains, persists, averages with DIET, and never touches danger."""
import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_plugins.intent_ensemble import ENSEMBLE_KEY, IntentEnsemble
from bot.rasa_plugins.linear_intent_model import LinearIntentModel

EXAMPLES = {
    "red_flags": ["what are the red flags", "cuales son las señales de alerta", "how do i know its a scam job",
                  "como se si es trampa"],
    "say_no": ["how do i say no to them", "como le digo que no", "how do i get out of the chat", "como me salgo"],
    "greet": ["hey whats up", "hola que onda", "hi", "buenas"],
    "danger_threat": ["they know where i live", "saben donde vivo", "they said they will hurt my mom",
                      "me amenazaron"],
}


def _training_data():
    return TrainingData([Message(data={"text": t, "intent": i}) for i, texts in EXAMPLES.items() for t in texts])


@pytest.fixture
def trained(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("intent_ensemble")
    context = ExecutionContext(GraphSchema({}), "test")
    component = IntentEnsemble.create(IntentEnsemble.get_default_config(), storage, resource, context)
    component.train(_training_data())
    return component, storage, resource, context


def _diet_says(text, ranking):
    """A message as DIET leaves it: the intent and a ranking of (intent, confidence)."""
    return Message(data={"text": text, "intent": {"name": ranking[0][0], "confidence": ranking[0][1]},
                         "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking]})


def test_the_average_can_overrule_an_unsure_diet(trained):
    message = _diet_says("como le digo que no", [("red_flags", 0.5), ("say_no", 0.4), ("greet", 0.1)])
    trained[0].process([message])
    assert message.get("intent")["name"] == "say_no"
    assert message.get("intent_ranking")[0]["name"] == "say_no"
    assert message.get(ENSEMBLE_KEY) == {"diet": "red_flags", "linear": "say_no"}
    confidences = [r["confidence"] for r in message.get("intent_ranking")]
    assert confidences == sorted(confidences, reverse=True) and 0 < confidences[0] <= 1


def test_a_sure_diet_and_an_agreeing_linear_model_keep_the_intent(trained):
    message = _diet_says("what are the red flags", [("red_flags", 0.97), ("say_no", 0.02), ("greet", 0.01)])
    trained[0].process([message])
    assert message.get("intent")["name"] == "red_flags"
    assert message.get("intent")["confidence"] > 0.9


def test_a_danger_intent_from_diet_is_left_exactly_as_it_was(trained):
    ranking = [("danger_threat", 0.6), ("greet", 0.4)]
    message = _diet_says("hola que onda", ranking)
    before = (dict(message.get("intent")), list(message.get("intent_ranking")))
    trained[0].process([message])
    assert (message.get("intent"), message.get("intent_ranking")) == before
    assert message.get(ENSEMBLE_KEY) is None


def test_an_average_that_leans_to_danger_leaves_diet_alone(trained):
    """The safety net, not this component, decides about danger: DIET's non-danger result stays."""
    message = _diet_says("they know where i live", [("greet", 0.55), ("danger_threat", 0.45)])
    trained[0].process([message])
    assert message.get("intent")["name"] == "greet"
    assert message.get("intent_ranking")[0] == {"name": "greet", "confidence": 0.55}
    assert "safety net" in message.get(ENSEMBLE_KEY)["reason"]


def test_persisted_model_loads_with_the_same_probabilities(trained):
    component, storage, resource, context = trained
    loaded = IntentEnsemble.load(IntentEnsemble.get_default_config(), storage, resource, context)
    texts = ["como me salgo", "hi", "", "🙂"]
    assert np.allclose(loaded._model.probabilities(texts), component._model.probabilities(texts))


def test_probabilities_are_a_distribution_over_the_trained_intents():
    texts = [t for ts in EXAMPLES.values() for t in ts]
    labels = [i for i, ts in EXAMPLES.items() for _ in ts]
    model = LinearIntentModel.fit(texts, labels)
    rows = model.probabilities(["hola", "como le digo que no"])
    assert sorted(model.intents) == sorted(EXAMPLES) and np.allclose(rows.sum(axis=1), 1.0)
    assert model.intents[int(rows[1].argmax())] == "say_no"


def test_two_trainings_give_the_same_model():
    texts = [t for ts in EXAMPLES.values() for t in ts]
    labels = [i for i, ts in EXAMPLES.items() for _ in ts]
    first, second = LinearIntentModel.fit(texts, labels), LinearIntentModel.fit(texts, labels)
    assert np.array_equal(first.coef, second.coef) and np.array_equal(first.intercept, second.intercept)


def test_loading_a_model_without_the_files_names_the_fix(tmp_path):
    context = ExecutionContext(GraphSchema({}), "test")
    with pytest.raises(ValueError, match="make train"):
        IntentEnsemble.load(IntentEnsemble.get_default_config(), LocalModelStorage(tmp_path), Resource("missing"), context)


def test_every_message_carries_the_linear_models_danger_share(trained):
    """The safety net's fifth vote: set also when DIET's intent is danger and nothing else changes."""
    danger = _diet_says("saben donde vivo", [("danger_threat", 0.9), ("greet", 0.1)])
    everyday = _diet_says("hola que onda", [("greet", 0.9), ("say_no", 0.1)])
    trained[0].process([danger, everyday])
    assert danger.get("linear_danger")["best"] == "danger_threat"
    assert danger.get("linear_danger")["mass"] > everyday.get("linear_danger")["mass"]
    assert 0 <= everyday.get("linear_danger")["mass"] <= 1


@pytest.mark.parametrize("text", ["", "   "])
def test_a_text_without_any_known_feature_stays_with_diet(trained, text):
    """The SVM's view of an empty text is its intercepts alone: DIET's result goes on unchanged."""
    message = _diet_says(text, [("greet", 0.2), ("say_no", 0.1)])
    before = (dict(message.get("intent")), list(message.get("intent_ranking")))
    trained[0].process([message])
    assert (message.get("intent"), message.get("intent_ranking")) == before
    assert message.get(ENSEMBLE_KEY) is None and message.get("linear_danger") is None
