"""Build the small spaCy pipelines the analyzer uses (no models, no network).

Why this module exists:
  * Only ``spacy.blank(lang)`` plus the *lookup* lemmatizer from
    spacy-lookups-data is used: a tokenizer and a word -> lemma table, which
    is all the rules need and loads in well under a second.
  * Importing spaCy imports thinc, which imports TensorFlow if it is
    installed (Rasa installs it) and that alone takes ~4 s. When TensorFlow
    is not loaded yet, we hide it during the spaCy import so thinc skips its
    optional TensorFlow glue; TensorFlow itself stays importable afterwards
    for anyone who needs it. Set SENALES_OFFERS_KEEP_TF_IMPORT=1 to disable.
  * The Spanish lookup table has ~490k forms; turning all of them into a
    spaCy table takes ~2 s. The rules only ask for a few hundred lemmas, so
    we keep just the forms whose lemma a rule asks for (accent-folded like
    the input text, plus Capitalised/UPPER variants since the lookup is
    case-sensitive). Matching results are the same as with the full table
    for every lemma a rule mentions.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, Set

from .normalize import fold


def import_spacy() -> Any:
    """Import spaCy without dragging TensorFlow in (see module docstring)."""
    if "spacy" in sys.modules:
        return sys.modules["spacy"]
    hide = "tensorflow" not in sys.modules and os.environ.get("SENALES_OFFERS_KEEP_TF_IMPORT") != "1"
    if hide:
        sys.modules["tensorflow"] = None  # type: ignore[assignment]
    try:
        import spacy  # noqa: WPS433 (import inside function on purpose)
    finally:
        if hide and "tensorflow" in sys.modules and sys.modules["tensorflow"] is None:
            del sys.modules["tensorflow"]
    return spacy


def _lookup_table_data(lang: str) -> Dict[str, str]:
    """The raw lemma_lookup dict shipped by spacy-lookups-data for ``lang``."""
    import srsly
    from spacy.util import registry

    tables = registry.lookups.get(lang)
    path = Path(tables["lemma_lookup"])
    if not path.exists() and Path(str(path) + ".gz").exists():
        path = Path(str(path) + ".gz")
    if path.suffix == ".gz":
        return srsly.read_gzip_json(path)
    return srsly.read_json(path)


def _cache_file(lang: str, wanted: Set[str]) -> Path:
    """Where the pruned table for this language and rule vocabulary is cached.

    Why: reading the full lookup file costs a few hundred milliseconds of every start; the pruned
    table depends only on the rules' vocabulary and the lookups package, which name the file.
    """
    import hashlib
    from importlib.metadata import version

    digest = hashlib.sha256("\n".join([lang, version("spacy-lookups-data"), *sorted(wanted)]).encode()).hexdigest()[:16]
    base = Path(os.environ.get("SENALES_CACHE_DIR") or Path(__file__).resolve().parents[2] / "var" / "cache")
    return base / f"offer-lemmas-{lang}-{digest}.json"


def pruned_lookups(lang: str, vocabulary: Iterable[str]) -> Any:
    """A spaCy Lookups holding only the forms of lemmas in ``vocabulary`` (cached on disk)."""
    from spacy.lookups import Lookups

    wanted: Set[str] = set(vocabulary)
    cache = _cache_file(lang, wanted)
    try:
        table = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        table = _pruned_table(lang, wanted)
        try:  # a cache we cannot write only costs time
            cache.parent.mkdir(parents=True, exist_ok=True)
            partial = cache.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
            partial.replace(cache)
        except OSError:
            pass
    lookups = Lookups()
    lookups.add_table("lemma_lookup", table)
    return lookups


def _pruned_table(lang: str, wanted: Set[str]) -> Dict[str, str]:
    data = _lookup_table_data(lang)
    targets: Dict[str, str] = {}  # raw lemma in the table -> folded lemma a rule uses
    for lemma in set(data.values()):
        folded = fold(lemma)
        if folded in wanted:
            targets[lemma] = folded
    keep: Dict[str, str] = {}
    for form, lemma in data.items():
        if lemma in targets:
            keep.setdefault(fold(form), targets[lemma])
    for word in wanted:  # the lemma itself, in any case, maps to itself
        keep.setdefault(word, word)
    table: Dict[str, str] = {}
    for form, lemma in keep.items():
        table[form] = lemma
        table.setdefault(form.capitalize(), lemma)
        table.setdefault(form.upper(), lemma)
    return table


def build_nlp(lang: str, vocabulary: Iterable[str]) -> Any:
    """spacy.blank(lang) + lookup lemmatizer limited to ``vocabulary``."""
    spacy = import_spacy()
    nlp = spacy.blank(lang)
    lemmatizer = nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    # Same as nlp.initialize() for this pipeline, but with our pruned table
    # instead of loading (and hashing) the whole lookup file.
    lemmatizer.initialize(lookups=pruned_lookups(lang, vocabulary))
    return nlp
