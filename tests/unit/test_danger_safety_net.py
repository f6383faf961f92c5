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


# The danger-only classifier's vote (bot/rasa_plugins/danger_vote.py adds "danger_vote").

def _voted(text, ranking, score):
    message = _parsed(text, ranking)
    message.set("danger_vote", {"score": score})
    return message


def test_a_sure_danger_vote_escalates_with_the_danger_type_diet_ranked_highest(net):
    ranking = [("out_of_scope", 0.9), ("greet", 0.05), ("danger_friend_missing", 0.03), ("danger_threat", 0.02)]
    message = net.process([_voted("not sure what to do about my cousin tbh", ranking, 5.0)])[0]
    assert message.get("intent")["name"] == "danger_friend_missing"
    assert message.get("intent_ranking")[0]["name"] == "danger_friend_missing"
    assert message.get(SAFETY_NET_KEY) == {"overrode": "out_of_scope", "reason": "danger-only classifier", "score": 5.0}


def test_a_sure_danger_vote_without_any_ranked_danger_intent_uses_the_default(net):
    message = net.process([_voted("something is off", [("out_of_scope", 0.95), ("greet", 0.05)], 4.5)])[0]
    assert message.get("intent")["name"] == net.get_default_config()["default_danger_intent"]


@pytest.mark.parametrize("score", [1.0, 4.0])
def test_a_middling_danger_vote_changes_nothing(net, score):
    # 4.0 escalated before 2026-12-03 (promote_at 3.5): long everyday SMS scored there.
    ranking = [("out_of_scope", 0.9), ("danger_threat", 0.1)]
    message = net.process([_voted("running late, my ride left without me", ranking, score)])[0]
    assert message.get("intent")["name"] == "out_of_scope"
    assert message.get(SAFETY_NET_KEY) is None


def test_an_idiom_holds_back_a_sure_danger_vote(net):
    message = net.process([_voted("this homework is killing me", [("out_of_scope", 0.9), ("danger_self_harm", 0.1)], 5.0)])[0]
    assert message.get("intent")["name"] == "out_of_scope"


def test_a_vote_sure_it_is_not_danger_demotes_diets_danger(net):
    ranking = [("danger_in_progress", 0.6), ("legal_consequences", 0.3), ("danger_coerced", 0.1)]
    message = net.process([_voted("what happens to the driver if the car gets stopped", ranking, -3.0)])[0]
    assert message.get("intent")["name"] == "legal_consequences"
    assert message.get(SAFETY_NET_KEY)["demoted"] == "danger_in_progress"


def test_a_mildly_negative_vote_keeps_a_confident_diet_danger(net):
    ranking = [("danger_watched", 0.97), ("out_of_scope", 0.03)]
    message = net.process([_voted("that same car was outside again today", ranking, -1.5)])[0]
    assert message.get("intent")["name"] == "danger_watched"


def test_a_fairly_sure_diet_danger_still_needs_the_vote_to_lean_to_danger(net):
    # 0.9 was "sure" before 2026-12-03 (diet_sure_at 0.8); real SMS such as "Sounds like a plan!
    # ... I'm sitting on the radiator!" got DIET's self-harm at 0.9 and more.
    ranking = [("danger_self_harm", 0.9), ("out_of_scope", 0.1)]
    alone = net.process([_voted("sounds like a plan, im sitting on the radiator", ranking, 0.5)])[0]
    backed = net.process([_voted("i dont see the point of anything anymore", ranking, 2.0)])[0]
    assert alone.get("intent")["name"] == "out_of_scope"
    assert backed.get("intent")["name"] == "danger_self_harm"


def test_an_unsure_diet_danger_needs_the_vote_to_lean_to_danger(net):
    ranking = [("danger_in_progress", 0.4), ("out_of_scope", 0.3), ("greet", 0.3)]
    alone = net.process([_voted("I cant pick the phone right now. Pls send a message", ranking, 0.6)])[0]
    backed = net.process([_voted("theyre picking me up in 10 and i dont want to go", ranking, 2.5)])[0]
    assert alone.get("intent")["name"] == "out_of_scope"
    assert alone.get(SAFETY_NET_KEY)["demoted"] == "danger_in_progress"
    assert backed.get("intent")["name"] == "danger_in_progress"


def test_no_vote_overrules_a_phrase_rule(net):
    ranking = [("danger_weapon", 0.5), ("out_of_scope", 0.5)]
    message = net.process([_voted("they pointed a gun at me", ranking, -6.0)])[0]
    assert message.get("intent")["name"] == "danger_weapon"


def test_an_unsure_danger_guess_needs_a_vote_that_is_not_against_it(net):
    ranking = [("nlu_fallback", 0.25), ("danger_coerced", 0.3), ("red_flags", 0.28)]
    vetoed = net.process([_voted("what kind of offers should i stay away from", ranking, -1.5)])[0]
    kept = net.process([_voted("they keep asking when i will pay them back", ranking, 1.5)])[0]
    assert vetoed.get("intent")["name"] == "nlu_fallback"
    assert kept.get("intent")["name"] == "danger_coerced"


def test_thresholds_come_from_the_pipeline_config():
    strict = DangerSafetyNet({"promote_at": 10.0})
    message = strict.process([_voted("my cousin left with them friday", [("out_of_scope", 0.9), ("danger_friend_missing", 0.1)], 4.0)])[0]
    assert message.get("intent")["name"] == "out_of_scope"


@pytest.mark.parametrize("text", ["a " * 2500, "!!!!????" * 10, "1 2 3 4 5 6 7 8 9 10 11 12"])
def test_a_long_text_without_words_never_escalates(net, text):
    sure = net.process([_voted(text, [("danger_threat", 0.97), ("out_of_scope", 0.02)], 4.0)])[0]
    assert sure.get("intent")["name"] == "nlu_fallback"
    assert [r["name"] for r in sure.get("intent_ranking")] == ["nlu_fallback", "out_of_scope"]
    assert sure.get(SAFETY_NET_KEY)["reason"] == "no words in the message"
    topic = net.process([_voted(text, [("report_anonymously", 0.9), ("greet", 0.1)], -3.0)])[0]
    assert topic.get("intent")["name"] == "nlu_fallback"
    unsure = net.process([_voted(text, [("nlu_fallback", 0.3), ("danger_self_harm", 0.29)], 4.0)])[0]
    assert unsure.get("intent")["name"] == "nlu_fallback"


@pytest.mark.parametrize("text, intent", [("😭", "danger_threat"), ("??", "danger_threat"),
                                          ("they r outside 🔪🔪🔪🔪🔪🔪🔪🔪🔪", "danger_threat"),
                                          ("ya no puedo más 😭😭😭😭😭😭😭", "danger_self_harm")])  # a self-harm phrase rule
def test_short_wordless_texts_and_words_with_emoji_stay_with_the_classifiers(net, text, intent):
    message = net.process([_voted(text, [("danger_threat", 0.97), ("out_of_scope", 0.02)], 2.0)])[0]
    assert message.get("intent")["name"] == intent


def test_a_rule_gives_its_own_danger_type_over_diets_other_danger_type(net):
    """DIET's nearest danger examples can pick a neighbouring type (watched for a threat to a brother);
    the phrase says which hotline fits, and a retrained model must not change it."""
    text = "they sent me a pic of my house and said they know where my little brother goes to school"
    message = net.process([_voted(text, [("danger_watched", 0.97), ("danger_threat", 0.02)], 3.0)])[0]
    assert message.get("intent")["name"] == "danger_threat"
    assert message.get(SAFETY_NET_KEY)["overrode"] == "danger_watched"
    same = net.process([_voted(text, [("danger_threat", 0.97), ("danger_watched", 0.02)], 3.0)])[0]
    assert same.get("intent")["name"] == "danger_threat" and same.get(SAFETY_NET_KEY) is None


# The linear intent model's danger share (bot/rasa_plugins/intent_ensemble.py adds "linear_danger").

def _linear(text, ranking, score, mass, best="danger_coerced"):
    message = _voted(text, ranking, score)
    message.set("linear_danger", {"mass": mass, "best": best})
    return message


def test_a_sure_linear_model_and_a_leaning_vote_escalate_what_diet_called_everyday_chat(net):
    message = net.process([_linear("le debo a unos weyes y no me dejan en paz", [("out_of_scope", 0.9), ("greet", 0.1)],
                                   score=3.2, mass=0.999)])[0]
    assert message.get("intent")["name"] == "danger_coerced"
    assert message.get(SAFETY_NET_KEY)["reason"] == "linear intent model and danger-only classifier"


@pytest.mark.parametrize("score, mass", [(0.5, 0.999), (3.2, 0.95), (None, 0.999)])
def test_the_linear_vote_needs_both_a_sure_share_and_a_leaning_danger_vote(net, score, mass):
    message = _parsed("ok see u at practice", [("out_of_scope", 0.9), ("greet", 0.1)])
    if score is not None:
        message.set("danger_vote", {"score": score})
    message.set("linear_danger", {"mass": mass, "best": "danger_threat"})
    assert net.process([message])[0].get("intent")["name"] == "out_of_scope"


def test_an_idiom_holds_back_the_linear_vote(net):
    message = net.process([_linear("este examen me mató", [("out_of_scope", 0.9)], score=3.0, mass=0.999)])[0]
    assert message.get("intent")["name"] == "out_of_scope"
