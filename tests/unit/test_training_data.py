"""Training data rules: enough teen-style examples per intent and language, test set kept apart."""
import json

import pytest
import yaml

from bot.devtools.paths import ROOT

MIN_TRAINING, MIN_HELD_OUT = 25, 15
DOMAIN_INTENTS = [i for i in yaml.safe_load((ROOT / "domain.yml").read_text())["intents"] if i != "nlu_fallback"]
DANGER_INTENTS = [i for i in DOMAIN_INTENTS if i.startswith("danger_")]
TOPIC_INTENTS = [i for i in DOMAIN_INTENTS if i not in DANGER_INTENTS]
DANGER_EVAL = [json.loads(line) for line in (ROOT / "benchmarks" / "data" / "danger.jsonl").read_text().splitlines() if line.strip()]


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
@pytest.mark.parametrize("intent", TOPIC_INTENTS)
def test_enough_held_out_examples(language, intent):
    assert len(HELD_OUT[language].get(intent, [])) >= MIN_HELD_OUT


@pytest.mark.parametrize("language", ["en", "es"])
def test_danger_has_its_own_held_out_set(language):
    """Danger is measured by benchmarks/danger.py on benchmarks/data/danger.jsonl, not in tests/nlu."""
    rows = [r for r in DANGER_EVAL if r["language"] == language]
    assert len(rows) >= 60
    for intent in DANGER_INTENTS:
        assert sum(r["danger_type"] == intent[len("danger_"):] for r in rows) >= 8, intent
    train = {e.lower() for examples in TRAIN[language].values() for e in examples}
    assert not [r["text"] for r in rows if r["text"].lower() in train]


def test_held_out_set_never_appears_in_training():
    # The failure names where the overlap is, not the held-out texts: whoever writes training
    # data should not be shown the test set (look in your own new examples of those intents).
    held_out = {e.lower() for lang in HELD_OUT.values() for examples in lang.values() for e in examples}
    overlap = sorted(f"{lang}/{intent}" for lang, intents in TRAIN.items() for intent, examples in intents.items()
                     for e in examples if e.lower() in held_out)
    assert not overlap, f"{len(overlap)} training examples are also in tests/nlu/, in: {overlap}"


def test_no_example_is_labelled_with_two_intents():
    intents_of = {}
    for lang in TRAIN.values():
        for intent, examples in lang.items():
            for example in examples:
                intents_of.setdefault(example.lower(), set()).add(intent)
    assert {e: i for e, i in intents_of.items() if len(i) > 1} == {}
