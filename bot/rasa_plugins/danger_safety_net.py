"""NLU component that decides, from several votes, whether a message gets the danger reply.

Why: a teen in danger must never get a generic reply because one classifier was unsure or wrong.
It runs inside the Rasa server after DIET, the FallbackClassifier and the danger-only classifier
(``danger_vote.DangerVote``), and combines five votes, in this order:

1. the phrase rules (``bot/danger/rules/``): a match escalates with the rule's danger type, also
   over a different danger type from DIET (the phrase names the case; DIET's type can shift on retraining);
2. the idiom list: a violent-sounding idiom ("este examen me mató") with no danger phrase outside
   it never escalates, whatever the classifiers say;
3. DIET's intent: a danger_* intent escalates, also when DIET was unsure (``nlu_fallback``) but its
   best guess was danger; the danger-only score can overrule it when it is very sure the message
   is not danger (``veto_below``, and the stricter ``unsure_veto_below`` for the unsure case), and
   a danger intent DIET is not sure of (below ``diet_sure_at``) needs the danger-only score to
   lean to danger (``diet_unsure_needs``): two weak votes, not one;
4. the danger-only score alone: at ``promote_at`` or above it escalates; the danger type (which
   hotline) is then the danger_* intent DIET ranked highest;
5. the linear intent model (``intent_ensemble``): when it puts nearly all its probability on the
   danger intents (``linear_promote_at``) and the danger-only score leans to danger
   (``linear_needs``), it escalates with the danger type it ranked highest: two other
   classifiers agree where DIET saw everyday chat.

Thresholds are log-odds of the danger-only classifier, chosen by 5-fold cross-validation on the
training data and on the development sets (see README "Danger"). Without a ``danger_vote`` in the
message (a pipeline without DangerVote) votes 3 and 4 behave as DIET alone.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.danger import default_rules
from bot.rasa_plugins.danger_vote import DANGER_INTENT_PREFIX, DANGER_VOTE_KEY
from bot.rasa_plugins.intent_ensemble import LINEAR_DANGER_KEY

SAFETY_NET_KEY = "danger_safety_net"
FALLBACK_INTENT = "nlu_fallback"
# A word here is two letters in a row (any alphabet). Babble such as "a a a a ..." or "!!!!" holds
# none: the classifiers have nothing to read in it, yet DIET gave 2,500 "a"s danger_threat.
_WORD = re.compile(r"[^\W\d_]{2}")
BABBLE_MIN_CHARS = 20


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class DangerSafetyNet(GraphComponent):
    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> "DangerSafetyNet":
        return cls(config)

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Cross-validated on the training data, the danger-only score is >= 3.0 for 0.2% of the
            # non-danger examples (0.3% of the everyday chat, but about 1% of everyday texts longer
            # than 80 characters) and for 56% of the danger examples. At 2.0 it caught two more
            # development-set messages but raised false escalations on the real SMS by 1.6 points.
            # 3.5: the development-set danger messages it alone caught scored 3.57 to 5.36, while
            # the readable half of the real SMS had 6 long everyday texts between 3.0 and 3.5.
            # 4.5 since 2026-12-03: with the widened phrase rules every development-set danger
            # message the score alone had caught between 3.5 and 4.5 is caught by a rule as well,
            # while the readable half of the real SMS had 7 long everyday texts there.
            "promote_at": 4.5,
            # Below -2.5 lie 0.5% of the danger examples' cross-validated scores: a veto there
            # costs little recall.
            "veto_below": -2.5,
            # The unsure case (DIET fell back, its best guess danger) needs the danger-only score
            # to lean to danger: no development-set danger message took this path; 5 SMS did.
            "unsure_veto_below": 1.0,
            # A danger intent that DIET gives less than ``diet_sure_at`` confidence needs the
            # danger-only score at ``diet_unsure_needs`` or more. Chosen on a model of 2026-12-01:
            # on the development sets no danger message was lost by it; on the readable half of the
            # real SMS it removed 38 of the 46 escalations DIET made alone (short everyday texts
            # such as "I cant pick the phone right now", near the short "in the car rn" examples).
            # 0.95 since 2026-12-03 (model with the probe examples): 6 more of the readable half's
            # 25 DIET-alone escalations go, no development-set danger message is lost.
            "diet_sure_at": 0.95,
            "diet_unsure_needs": 1.0,
            # Vote 5: the linear intent model (``intent_ensemble``) gives the danger_* intents
            # together at least ``linear_promote_at`` and the danger-only score leans to danger.
            # On 2026-12-04 no text of the readable half of the real SMS that escalated no other
            # way reached 0.98 (the highest: 0.956), and one development-set danger message DIET
            # had called everyday chat had 1.0 and a score of 3.2.
            "linear_promote_at": 0.98,
            "linear_needs": 1.0,
            # Used only when the score escalates and DIET ranked no danger_* intent at all.
            "default_danger_intent": "danger_threat",
        }

    def __init__(self, config: Optional[Dict[Text, Any]] = None) -> None:
        self._config = {**self.get_default_config(), **(config or {})}
        self._rules = default_rules()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._decide(message)
        return messages

    def _decide(self, message: Message) -> None:
        intent = message.get(INTENT) or {}
        name = str(intent.get(INTENT_NAME_KEY, ""))
        text = message.get(TEXT) or ""
        score = (message.get(DANGER_VOTE_KEY) or {}).get("score")
        match, has_idiom = self._rules.inspect(text)
        if match is not None:
            rule_intent = DANGER_INTENT_PREFIX + match.danger_type  # also over DIET's other danger type (vote 1)
            if name != rule_intent:
                self._escalate(message, rule_intent, {"overrode": name, "rule": match.pattern, "language": match.language})
            return
        if has_idiom:
            if name.startswith(DANGER_INTENT_PREFIX):
                self._demote(message, intent, "idiom")
            return
        if is_babble(text):
            # Short texts without words ("😭", "??", "k") stay with the classifiers: a teen may
            # mean something by them. A long run of them is noise: never a danger statement, and
            # no topic either (DIET had answered one with the report options), so it gets the
            # fallback's "say it another way" and the menu.
            if name != FALLBACK_INTENT:
                self._demote(message, intent, "no words in the message", to_fallback=True)
            return
        if name.startswith(DANGER_INTENT_PREFIX):
            if score is not None and score < self._config["veto_below"]:
                self._demote(message, intent, "danger-only classifier sure it is not danger")
            elif (score is not None and float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0) < self._config["diet_sure_at"]
                  and score < self._config["diet_unsure_needs"]):
                self._demote(message, intent, "DIET unsure and the danger-only classifier does not lean to danger")
            return
        ranking = message.get(INTENT_RANKING_KEY) or []
        best = next((r for r in ranking if r.get(INTENT_NAME_KEY) != FALLBACK_INTENT), None)
        if (name == FALLBACK_INTENT and best is not None and str(best.get(INTENT_NAME_KEY, "")).startswith(DANGER_INTENT_PREFIX)
                and (score is None or score >= self._config["unsure_veto_below"])):
            self._escalate(message, best[INTENT_NAME_KEY], {"overrode": FALLBACK_INTENT, "reason": "unsure, best guess danger"},
                           confidence=best.get(PREDICTED_CONFIDENCE_KEY))
            return
        if score is not None and score >= self._config["promote_at"]:
            danger = next((r[INTENT_NAME_KEY] for r in ranking if str(r.get(INTENT_NAME_KEY, "")).startswith(DANGER_INTENT_PREFIX)),
                          self._config["default_danger_intent"])
            self._escalate(message, danger, {"overrode": name, "reason": "danger-only classifier", "score": score})
            return
        linear = message.get(LINEAR_DANGER_KEY) or {}
        if (linear.get("mass") is not None and float(linear["mass"]) >= self._config["linear_promote_at"]
                and score is not None and score >= self._config["linear_needs"]):
            danger = linear.get("best") or self._config["default_danger_intent"]
            self._escalate(message, danger, {"overrode": name, "reason": "linear intent model and danger-only classifier",
                                             "mass": linear["mass"], "score": score})

    @staticmethod
    def _escalate(message: Message, danger_intent: Text, why: Dict[Text, Any], confidence: Optional[float] = None) -> None:
        """Make ``danger_intent`` the intent, first in the ranking, and record which vote decided."""
        danger = {INTENT_NAME_KEY: danger_intent, PREDICTED_CONFIDENCE_KEY: 1.0 if confidence is None else confidence}
        ranking = [danger] + [r for r in message.get(INTENT_RANKING_KEY) or []
                              if r.get(INTENT_NAME_KEY) not in (danger_intent, FALLBACK_INTENT)]
        message.set(INTENT, danger, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        message.set(SAFETY_NET_KEY, why, add_to_output=True)

    @staticmethod
    def _demote(message: Message, intent: Dict[Text, Any], reason: Text, to_fallback: bool = False) -> None:
        """Replace a danger intent by the best non-danger intent the classifier gave, or, with
        ``to_fallback``, by ``nlu_fallback`` whatever the classifier gave."""
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
                   if not str(r.get(INTENT_NAME_KEY, "")).startswith(DANGER_INTENT_PREFIX)]
        if to_fallback:
            ranking = [{INTENT_NAME_KEY: FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}] + [
                r for r in ranking if r.get(INTENT_NAME_KEY) != FALLBACK_INTENT]
        best = ranking[0] if ranking else {INTENT_NAME_KEY: "out_of_scope", PREDICTED_CONFIDENCE_KEY: 1.0}
        message.set(INTENT, best, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        message.set(SAFETY_NET_KEY, {"demoted": intent.get(INTENT_NAME_KEY), "reason": reason}, add_to_output=True)

def is_babble(text: Text) -> bool:
    """True for a long text with no word in it (see ``_WORD``)."""
    return len(text) >= BABBLE_MIN_CHARS and _WORD.search(text) is None
