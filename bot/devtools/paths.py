"""Where things live, relative to the project root, so every tool agrees."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = ROOT / "models"
MODEL_NAME = "senales"
MODEL_FILE = MODELS_DIR / f"{MODEL_NAME}.tar.gz"
FINGERPRINT_FILE = MODELS_DIR / f"{MODEL_NAME}.fingerprint"
VAR_DIR = ROOT / "var"
