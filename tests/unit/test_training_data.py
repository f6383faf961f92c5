"""Training data rules: enough teen-style examples per intent and language, test set kept apart."""
from collections import Counter

import pytest
import yaml

from bot.devtools.paths import ROOT

MIN_TRAINING, MIN_HELD_OUT = 25, 15
DOMAIN_INTENTS = [i for i in yaml.safe_load((ROOT / "domain.yml").read_text())["intents"] if i != "nlu_fallback"]


def _examples(files):
    by_intent = {}
    for path in files:
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in block:
                lines = [l[2:].strip() for l in block["examples"].splitlines() if l.strip().startswith("- ")]
                by_intent.setdefault(block["intent"], []).extend(lines)
    return by_intent


TRAIN = {lang: _examples(sorted((ROOT / "data" / "nlu" / lang).glob("*.yml"))) for lang in ("en", "es")}
HELD_OUT = {lang: _examples([ROOT / "tests" / "nlu" / f"{lang}.yml"]) for lang in ("en", "es")}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("intent", DOMAIN_INTENTS)
def test_enough_training_examples(language, intent):
    assert len(TRAIN[language].get(intent, [])) >= MIN_TRAINING


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("intent", DOMAIN_INTENTS)
def test_enough_held_out_examples(language, intent):
    assert len(HELD_OUT[language].get(intent, [])) >= MIN_HELD_OUT


def test_held_out_set_never_appears_in_training():
    train = {e.lower() for lang in TRAIN.values() for examples in lang.values() for e in examples}
    held_out = {e.lower() for lang in HELD_OUT.values() for examples in lang.values() for e in examples}
    assert not train & held_out, sorted(train & held_out)[:10]


def test_no_example_is_labelled_with_two_intents():
    seen = Counter()
    for lang in TRAIN.values():
        for intent, examples in lang.items():
            for e in {x.lower() for x in examples}:
                seen[e] += 1
    assert [e for e, n in seen.items() if n > 1] == []
