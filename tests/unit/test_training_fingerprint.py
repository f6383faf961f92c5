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


def _with_code(root):
    """A project with a trained component that imports a folding module, and a parse-time module."""
    (root / "bot" / "rasa_plugins").mkdir(parents=True)
    (root / "bot" / "language").mkdir(parents=True)
    (root / "bot" / "language" / "folding.py").write_text("def fold(t): return t.lower()\n")
    (root / "bot" / "language" / "detector.py").write_text("def detect(t): return 'en'\n")
    for name in train.TRAINED_COMPONENTS:
        (root / name).write_text("from bot.language.folding import fold\n")
    for name in train.PARSE_TIME_COMPONENTS:
        (root / name).write_text("from bot.language.detector import detect\n")
    return root


def test_code_the_model_is_trained_with_triggers_training(tmp_path):
    root = _with_code(_project(tmp_path))
    before = train.fingerprint(train.input_files(root), root)
    (root / "bot" / "language" / "folding.py").write_text("def fold(t): return t.casefold()\n")
    assert train.fingerprint(train.input_files(root), root) != before


def test_parse_time_code_does_not_trigger_training(tmp_path):
    root = _with_code(_project(tmp_path))
    before = train.fingerprint(train.input_files(root), root)
    (root / "bot" / "language" / "detector.py").write_text("def detect(t): return 'es'\n")
    for name in train.PARSE_TIME_COMPONENTS:
        (root / name).write_text("# edited\nfrom bot.language.detector import detect\n")
    assert train.fingerprint(train.input_files(root), root) == before


def test_every_component_of_ours_in_the_pipeline_is_classified():
    """A new component in config.yml must be put in TRAINED_COMPONENTS or PARSE_TIME_COMPONENTS,
    or the fingerprint could miss a change that needs retraining."""
    import yaml

    config = yaml.safe_load((train.ROOT / "config.yml").read_text(encoding="utf-8"))
    ours = {c["name"] for c in config["pipeline"] if c["name"].startswith("bot.")}
    known = {path[:-3].replace("/", ".") for path in train.TRAINED_COMPONENTS + train.PARSE_TIME_COMPONENTS}
    assert ours and all(name.rsplit(".", 1)[0] in known for name in ours), sorted(ours)
