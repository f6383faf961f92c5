"""The safety net component decides the final intent from the classifier's output and the rules."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_plugins.danger_safety_net import SAFETY_NET_KEY, DangerSafetyNet


def _parsed(text, ranking):
    """A message as DIET and the FallbackClassifier leave it: ranking of (intent, confidence)."""
    ranked = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message = Message({"text": text})
    message.set("intent", ranked[0])
    message.set("intent_ranking", ranked)
    return message


@pytest.fixture(scope="module")
def net():
    return DangerSafetyNet()


def test_a_rule_overrides_a_confident_wrong_intent(net):
    message = net.process([_parsed("they pointed a gun at me", [("out_of_scope", 0.99), ("greet", 0.01)])])[0]
    assert message.get("intent")["name"] == "danger_weapon"
    assert message.get(SAFETY_NET_KEY)["overrode"] == "out_of_scope"


def test_unsure_classifier_leaning_to_danger_gets_the_danger_reply(net):
    ranking = [("nlu_fallback", 0.25), ("danger_watched", 0.41), ("danger_in_progress", 0.39), ("greet", 0.2)]
    message = net.process([_parsed("theres a car creeping along next to me", ranking)])[0]
    assert message.get("intent")["name"] == "danger_watched"
    assert [r["name"] for r in message.get("intent_ranking")][0] == "danger_watched"


def test_unsure_classifier_leaning_elsewhere_keeps_the_fallback(net):
    ranking = [("nlu_fallback", 0.25), ("red_flags", 0.3), ("danger_watched", 0.29)]
    message = net.process([_parsed("hmm what about the other thing", ranking)])[0]
    assert message.get("intent")["name"] == "nlu_fallback"


def test_an_idiom_is_demoted_to_the_best_other_intent(net):
    ranking = [("danger_threat", 0.8), ("out_of_scope", 0.15), ("danger_self_harm", 0.05)]
    message = net.process([_parsed("mi mamá me va a matar si llego tarde", ranking)])[0]
    assert message.get("intent")["name"] == "out_of_scope"
    assert all(not r["name"].startswith("danger_") for r in message.get("intent_ranking"))


def test_an_unsure_idiom_is_not_promoted(net):
    ranking = [("nlu_fallback", 0.25), ("danger_self_harm", 0.4), ("out_of_scope", 0.38)]
    message = net.process([_parsed("this homework is killing me", ranking)])[0]
    assert message.get("intent")["name"] == "nlu_fallback"
