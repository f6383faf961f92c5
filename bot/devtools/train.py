"""Train the model only when something it is built from has changed.

Rasa's own check compares against the newest model only and does not see our NLU components'
code. This fingerprint covers the training data, domain, config, the locked package set and the
code of the components whose output is trained on (``TRAINED_COMPONENTS``), with every ``bot``
module that code imports. Components that only act at parse time (the safety net, the language
extractor) are loaded fresh from ``bot/`` when the server starts, so editing them, or the phrase
rules and the language detector they use, needs no retraining: a 15-minute retrain would give the
same model. ``python -m bot.devtools.train [--force]``.
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, List

from bot.devtools.paths import FINGERPRINT_FILE, MODEL_FILE, MODEL_NAME, MODELS_DIR, ROOT

TRAINING_INPUTS = ["config.yml", "domain.yml", "requirements.lock", "data"]
# Our pipeline components whose output a trained component learns from: the tokenizer (its folded
# tokens are the featurizers' vocabulary), the danger-only classifier and the intent second opinion
# (both trained themselves).
TRAINED_COMPONENTS = ["bot/rasa_plugins/folding_tokenizer.py", "bot/rasa_plugins/danger_vote.py",
                      "bot/rasa_plugins/intent_ensemble.py"]
# Our components that run only when a message is parsed; tests/unit/test_training_fingerprint.py
# fails when config.yml names a component of ours that is in neither list.
PARSE_TIME_COMPONENTS = ["bot/rasa_plugins/danger_safety_net.py", "bot/rasa_plugins/language_extractor.py"]


def input_files(root: Path = ROOT) -> List[Path]:
    files: List[Path] = []
    for name in TRAINING_INPUTS:
        path = root / name
        if path.is_dir():
            files.extend(p for p in path.rglob("*") if p.is_file() and p.suffix in {".yml", ".yaml", ".py", ".md"})
        elif path.is_file():
            files.append(path)
    for name in TRAINED_COMPONENTS:
        files.extend(imported_bot_modules(root / name, root))
    return sorted(set(files))


def imported_bot_modules(source: Path, root: Path = ROOT) -> List[Path]:
    """``source`` and every module of ``bot`` it imports, directly or through another such module."""
    seen: List[Path] = []
    pending = [source]
    while pending:
        path = pending.pop()
        if path in seen or not path.is_file():
            continue
        seen.append(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
            for name in names:
                if name == "bot" or name.startswith("bot."):
                    module = root.joinpath(*name.split("."))
                    pending.append(module.with_suffix(".py") if module.with_suffix(".py").is_file() else module / "__init__.py")
    return seen


def fingerprint(files: Iterable[Path], root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def is_up_to_date(current: str) -> bool:
    return MODEL_FILE.exists() and FINGERPRINT_FILE.exists() and FINGERPRINT_FILE.read_text().strip() == current


def train(force: bool = False) -> int:
    current = fingerprint(input_files())
    if not force and is_up_to_date(current):
        print(f"✔ Model is up to date ({MODEL_FILE.relative_to(ROOT)}, fingerprint {current}); not retraining.")
        return 0
    print(f"▶ Training the model (fingerprint {current}); this takes a few minutes on 2 cores…", flush=True)
    started = time.monotonic()
    MODELS_DIR.mkdir(exist_ok=True)
    FINGERPRINT_FILE.unlink(missing_ok=True)
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--fixed-model-name", MODEL_NAME, "--out", str(MODELS_DIR), "--force"],
        cwd=ROOT,
    )
    if result.returncode != 0 or not MODEL_FILE.exists():
        print("✘ Training failed; see the messages above.", file=sys.stderr)
        return result.returncode or 1
    FINGERPRINT_FILE.write_text(current + "\n")
    print(f"✔ Trained in {time.monotonic() - started:.0f} s → {MODEL_FILE.relative_to(ROOT)}")
    return 0


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="train even if nothing changed")
    parser.add_argument("--check", action="store_true", help="exit 1 if the model needs training, train nothing")
    args = parser.parse_args(argv)
    if args.check:
        return 0 if is_up_to_date(fingerprint(input_files())) else 1
    return train(force=args.force)


if __name__ == "__main__":
    sys.exit(main())
