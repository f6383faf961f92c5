"""The model is retrained exactly when something it is built from changes."""
from bot.devtools import train


def _project(tmp_path):
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "config.yml").write_text("pipeline: []\n")
    (tmp_path / "domain.yml").write_text("intents: [greet]\n")
    (tmp_path / "data" / "nlu" / "greet.yml").write_text("nlu: []\n")
    return tmp_path


def test_fingerprint_is_stable_and_sees_every_input(tmp_path):
    root = _project(tmp_path)
    first = train.fingerprint(train.input_files(root), root)
    assert first == train.fingerprint(train.input_files(root), root)

    (root / "data" / "nlu" / "greet.yml").write_text("nlu: [changed]\n")
    second = train.fingerprint(train.input_files(root), root)
    assert second != first

    (root / "data" / "nlu" / "new.yml").write_text("nlu: []\n")
    assert train.fingerprint(train.input_files(root), root) != second


def test_unrelated_files_do_not_trigger_training(tmp_path):
    root = _project(tmp_path)
    before = train.fingerprint(train.input_files(root), root)
    (root / "README.md").write_text("docs\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_x.py").write_text("x = 1\n")
    assert train.fingerprint(train.input_files(root), root) == before
