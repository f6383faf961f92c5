"""Load and check the rule data files (rules/shared.yml, rules/<lang>.yml).

Why a separate module: the rules are data, edited by people who may never
read the analyzer code. This module turns the YAML into plain Python
objects once, expands the small conveniences the files allow ("?N" word
gaps, "@MACRO" alternatives, "@list:NAME" lists, "{list}" phrase
templates), folds every string the same way the input is folded, and fails
loudly at load time (not at analysis time) if a file names an unknown code
or signal.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import yaml

from .normalize import fold

RULES_DIR = Path(__file__).resolve().parent / "rules"
LANGUAGES = ("en", "es")
_TEXT_ATTRS = ("LOWER", "LEMMA", "NORM")

try:  # the C loader is several times faster; fall back if PyYAML lacks it
    _Base = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover
    _Base = yaml.SafeLoader


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """YAML loader where only true/false are booleans.

    Rule files are full of words like "no", "on", "y" (Spanish "and"),
    which YAML 1.1 would otherwise turn into True/False.
    """


_BOOL = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != _BOOL]
    for key, resolvers in _Base.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


class RuleError(ValueError):
    """A rule file is inconsistent (unknown code, bad pattern...)."""


@dataclass
class SignalRules:
    """Everything one language says about one signal."""

    name: str
    phrases: List[str] = field(default_factory=list)
    patterns: List[List[Dict[str, Any]]] = field(default_factory=list)
    unless: List[str] = field(default_factory=list)
    near_words: Set[str] = field(default_factory=set)
    near_window: int = 0
    title_case: bool = False


@dataclass
class LanguageRules:
    """One language file, expanded and folded."""

    language: str
    stopwords: Set[str]
    explanations: Dict[str, str]
    questions: Dict[str, str]
    answer_explanations: Dict[str, str]
    money: Dict[str, Any]
    signals: Dict[str, SignalRules]


@dataclass
class Signal:
    code: str
    weight: float
    requires_any: Tuple[str, ...] = ()
    combines: bool = True


@dataclass
class RuleBook:
    """All rules: shared facts plus one LanguageRules per language."""

    codes: Dict[str, Dict[str, Any]]
    signals: Dict[str, Signal]
    risk: Dict[str, Any]
    questions: Dict[str, str]
    analysis: Dict[str, Any]
    money: Dict[str, Any]
    languages: Dict[str, LanguageRules]

    def lemma_vocabulary(self, language: str) -> Set[str]:
        """Every LEMMA value a pattern of ``language`` can ask for."""
        vocab: Set[str] = set()
        for sig in self.languages[language].signals.values():
            for pattern in sig.patterns:
                for token in pattern:
                    _collect(token.get("LEMMA"), vocab)
        return vocab

    def known_words(self) -> Set[str]:
        """Words the rules use; repeated-letter collapsing prefers these."""
        words: Set[str] = set()
        for lang in self.languages.values():
            words |= lang.stopwords
            for sig in lang.signals.values():
                for phrase in sig.phrases + sig.unless:
                    words.update(phrase.split())
                for pattern in sig.patterns:
                    for token in pattern:
                        for attr in _TEXT_ATTRS:
                            _collect(token.get(attr), words)
        return words


def _collect(value: Any, into: Set[str]) -> None:
    if isinstance(value, str):
        into.add(value)
    elif isinstance(value, dict):
        for key in ("IN",):
            for item in value.get(key, []) or []:
                if isinstance(item, str):
                    into.add(item)


def _read(path: Path) -> Dict[str, Any]:
    with path.open("r", encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_Loader)
    if not isinstance(data, dict):
        raise RuleError(f"{path.name}: expected a mapping at the top level")
    return data


def _fold_value(value: Any, lists: Dict[str, List[str]]) -> Any:
    """Fold a LOWER/LEMMA value; expand "@list:NAME" entries in IN/NOT_IN."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return fold(str(value))
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("IN", "NOT_IN"):
                if isinstance(item, str):
                    item = [item]
                expanded: List[str] = []
                for entry in item:
                    entry = str(entry)
                    if entry.startswith("@list:"):
                        expanded.extend(fold(x) for x in _get_list(lists, entry[6:]))
                    else:
                        expanded.append(fold(entry))
                out[key] = expanded
            else:
                out[key] = item
        return out
    return value


def _get_list(lists: Dict[str, List[str]], name: str) -> List[str]:
    if name not in lists:
        raise RuleError(f"unknown list {name!r}")
    return [str(x) for x in lists[name]]


def _plurals(word: str) -> List[str]:
    """A word plus its likely plural forms (English and Spanish)."""
    forms = [word, word + "s", word + "es"]
    if word.endswith("z"):
        forms.append(word[:-1] + "ces")
    if word.endswith("y"):
        forms.append(word[:-1] + "ies")
    return forms


def _word_to_lower(token: Dict[str, Any], lists: Dict[str, List[str]]) -> Dict[str, Any]:
    """Rewrite the WORD shorthand: {WORD: x} -> {LOWER: {IN: [x, x+s, ...]}}.

    Why: the lookup lemmatizer often maps Spanish nouns to verbs
    ("cuenta" -> "contar", "pago" -> "pagar"), so nouns are matched by
    their written form and plural instead of by lemma.
    """
    if "WORD" not in token:
        return token
    token = dict(token)
    value = _fold_value(token.pop("WORD"), lists)
    words = value["IN"] if isinstance(value, dict) else [value]
    token["LOWER"] = {"IN": list(dict.fromkeys(f for w in words for f in _plurals(w)))}
    return token


def _expand_pattern(
    raw: List[Any], macros: Dict[str, List[List[Dict[str, Any]]]], lists: Dict[str, List[str]]
) -> List[List[Dict[str, Any]]]:
    """Expand "?N" gaps and "@MACRO" alternatives into plain spaCy patterns."""
    choices: List[List[List[Dict[str, Any]]]] = []
    for element in raw:
        if isinstance(element, str) and element.startswith("?"):
            gap = int(element[1:] or 1)
            choices.append([[{"IS_PUNCT": False, "OP": "?"} for _ in range(gap)]])
        elif isinstance(element, str) and element.startswith("@"):
            name = element[1:]
            if name not in macros:
                raise RuleError(f"unknown macro {element!r}")
            choices.append(macros[name])
        elif isinstance(element, dict):
            choices.append([[_word_to_lower(element, lists)]])
        else:
            raise RuleError(f"bad pattern element {element!r}")
    patterns = []
    for combo in itertools.product(*choices):
        tokens: List[Dict[str, Any]] = []
        for part in combo:
            for token in part:
                tokens.append(
                    {k: (_fold_value(v, lists) if k in _TEXT_ATTRS else v) for k, v in token.items()}
                )
        patterns.append(tokens)
    return patterns


def _expand_phrases(items: List[Any], lists: Dict[str, List[str]]) -> List[str]:
    out: List[str] = []
    for item in items or []:
        item = str(item)
        if item.startswith("@list:"):
            out.extend(fold(x) for x in _get_list(lists, item[6:]))
            continue
        if "{" in item:
            name = item[item.index("{") + 1 : item.index("}")]
            out.extend(fold(item.replace("{" + name + "}", x)) for x in _get_list(lists, name))
            continue
        out.append(fold(item))
    return [p for p in dict.fromkeys(out) if p.strip()]


def _load_language(
    path: Path, shared_lists: Dict[str, List[str]], known_signals: Set[str], codes: Set[str]
) -> LanguageRules:
    data = _read(path)
    lists = dict(shared_lists)
    lists.update(data.get("lists") or {})
    macros = data.get("macros") or {}
    signals: Dict[str, SignalRules] = {}
    for name, spec in (data.get("signals") or {}).items():
        if name not in known_signals:
            raise RuleError(f"{path.name}: signal {name!r} is not declared in shared.yml")
        spec = spec or {}
        sig = SignalRules(name=name)
        sig.phrases = _expand_phrases(spec.get("phrases"), lists)
        sig.unless = _expand_phrases(spec.get("unless"), lists)
        for raw in spec.get("patterns") or []:
            sig.patterns.extend(_expand_pattern(raw, macros, lists))
        near = spec.get("near") or {}
        sig.near_words = {fold(str(w)) for w in near.get("words", [])}
        sig.near_window = int(near.get("window", 0))
        sig.title_case = bool(spec.get("title_case", False))
        signals[name] = sig
    explanations = {str(k): str(v) for k, v in (data.get("explanations") or {}).items()}
    missing = [c for c in codes if c not in explanations]
    if missing:
        raise RuleError(f"{path.name}: no explanation for {missing}")
    money = data.get("money") or {}
    return LanguageRules(
        language=str(data.get("language", path.stem)),
        stopwords={fold(str(w)) for w in data.get("stopwords", [])},
        explanations=explanations,
        questions={str(k): str(v) for k, v in (data.get("questions") or {}).items()},
        answer_explanations={str(k): str(v) for k, v in (data.get("answer_explanations") or {}).items()},
        money=money,
        signals=signals,
    )


def load_rulebook(rules_dir: Optional[Path] = None) -> RuleBook:
    """Read shared.yml and every language file; raise RuleError if inconsistent."""
    rules_dir = Path(rules_dir) if rules_dir else RULES_DIR
    shared = _read(rules_dir / "shared.yml")
    codes = shared.get("codes") or {}
    signals: Dict[str, Signal] = {}
    for name, spec in (shared.get("signals") or {}).items():
        code = spec.get("code")
        if code not in codes:
            raise RuleError(f"shared.yml: signal {name!r} uses unknown code {code!r}")
        requires = tuple(spec.get("requires_any") or ())
        for req in requires:
            if req not in codes:
                raise RuleError(f"shared.yml: signal {name!r} requires unknown code {req!r}")
        weight = float(spec.get("weight", codes[code]["weight"]))
        if codes[code].get("kind") == "protective" and weight > 0:
            weight = -weight
        signals[name] = Signal(code=code, weight=weight, requires_any=requires,
                               combines=bool(spec.get("combines", True)))
    risk = shared.get("risk") or {}
    for combo in risk.get("high_combinations", []):
        for code in list(combo.get("all", [])) + list(combo.get("any", [])):
            if code not in codes:
                raise RuleError(f"shared.yml: high_combinations names unknown code {code!r}")
    for code in risk.get("always_high", []):
        if code not in codes:
            raise RuleError(f"shared.yml: always_high names unknown code {code!r}")
    questions = shared.get("questions") or {}
    for q, code in questions.items():
        if code not in codes:
            raise RuleError(f"shared.yml: question {q!r} maps to unknown code {code!r}")
    shared_lists = shared.get("lists") or {}
    languages = {
        lang: _load_language(rules_dir / f"{lang}.yml", shared_lists, set(signals), set(codes))
        for lang in LANGUAGES
    }
    return RuleBook(
        codes=codes,
        signals=signals,
        risk=risk,
        questions=questions,
        analysis=shared.get("analysis") or {},
        money=dict(shared.get("money") or {}, currency_words=shared.get("currency_words") or {}),
        languages=languages,
    )
