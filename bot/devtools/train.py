"""Train the model only when something it is built from has changed.

Rasa's own check compares against the newest model only and does not see our NLU component's
code; this fingerprint covers the training data, domain, config, the code Rasa loads from
``bot/`` and the locked package set. ``python -m bot.devtools.train [--force]``.
"""
from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, List

from bot.devtools.paths import FINGERPRINT_FILE, MODEL_FILE, MODEL_NAME, MODELS_DIR, ROOT

TRAINING_INPUTS = ["config.yml", "domain.yml", "requirements.lock", "data", "bot/language", "bot/rasa_plugins"]


def input_files(root: Path = ROOT) -> List[Path]:
    files: List[Path] = []
    for name in TRAINING_INPUTS:
        path = root / name
        if path.is_dir():
            files.extend(p for p in path.rglob("*") if p.is_file() and p.suffix in {".yml", ".yaml", ".py", ".md"})
        elif path.is_file():
            files.append(path)
    return sorted(files)


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
