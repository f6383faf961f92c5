"""The deployment files (deploy/docker, deploy/kubernetes, .dockerignore) agree with the code.

No Docker engine or cluster is available where the tests run, so the files are checked for what
can go wrong silently: a manifest that does not parse, an environment variable no code reads (a
typo is a setting that is quietly ignored), a Dockerfile COPY of a file that is not there, a
Secret template holding a real-looking value, an Ingress routing more than the two webhooks, a
`bot` command that does not exist.
"""
from __future__ import annotations

import fnmatch
import importlib.util
import re
import shlex
import urllib.parse
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
import yaml

from bot.cli import build_parser
from bot.devtools.paths import MODEL_FILE, ROOT

DOCKER = ROOT / "deploy" / "docker"
KUBERNETES = ROOT / "deploy" / "kubernetes"
DOCKERFILES = sorted(DOCKER.glob("*.Dockerfile"))
MANIFESTS = sorted(p for p in KUBERNETES.glob("*.yaml") if p.name != "kustomization.yaml")
NAMESPACE = "senales"
WEBHOOK_PATHS = {"/webhooks/sms/", "/webhooks/telegram/"}

# Where our code and configuration read settings from.
SOURCES = [ROOT / "bot", ROOT / "actions", *ROOT.glob("endpoints*.yml"), ROOT / "credentials.yml"]
# Settings Rasa itself reads, and the file of the installed package that reads each.
RASA_READS = {"TICKET_LOCK_LIFETIME": "rasa/core/lock_store.py", "RASA_TELEMETRY_ENABLED": "rasa/telemetry.py"}
# Named in .env.example by the production profile but read by no code yet. Each entry fails the
# test once the code reads it (then delete it here), so this list cannot go stale.
PLANNED_SETTINGS: set = set()
PLANNED_COMMANDS: set = set()

_NAME = re.compile(r"\b((?:SENALES|RASA)_[A-Z0-9_]+|TICKET_LOCK_LIFETIME)\b")


def _source_files() -> Iterator[Path]:
    for source in SOURCES:
        yield from (sorted(p for p in source.rglob("*") if p.suffix in (".py", ".yml")) if source.is_dir() else [source])


def names_read_by_code() -> set:
    names = set()
    for path in _source_files():
        names |= set(_NAME.findall(path.read_text(encoding="utf-8")))
    for name, relative in RASA_READS.items():
        spec = importlib.util.find_spec("rasa")
        rasa_file = Path(spec.origin).parent.parent / relative
        assert name in rasa_file.read_text(encoding="utf-8"), f"{relative} no longer reads {name}"
        names.add(name)
    return names


def documents() -> List[Tuple[Path, dict]]:
    found = []
    for path in MANIFESTS:
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document is not None:
                found.append((path, document))
    return found


def pod_specs() -> Iterator[Tuple[str, dict]]:
    for _, doc in documents():
        kind = doc["kind"]
        if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            yield doc["metadata"]["name"], doc["spec"]["template"]["spec"]
        elif kind == "CronJob":
            yield doc["metadata"]["name"], doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def containers() -> Iterator[Tuple[str, dict]]:
    for name, spec in pod_specs():
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            yield name, container


def of_kind(kind: str) -> List[dict]:
    return [doc for _, doc in documents() if doc["kind"] == kind]


def test_every_manifest_parses_and_lives_in_the_senales_namespace():
    assert MANIFESTS and len(documents()) >= 10
    for path, doc in documents():
        assert {"apiVersion", "kind", "metadata"} <= set(doc), path
        if doc["kind"] not in ("Namespace", "Kustomization"):
            assert doc["metadata"].get("namespace") == NAMESPACE, (path, doc["metadata"])
    kustomized = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text(encoding="utf-8"))["resources"]
    assert sorted(kustomized) == sorted(p.name for p in MANIFESTS if p.name != "secret.example.yaml")


def referenced_settings() -> Dict[str, str]:
    """Every environment variable name the manifests and Dockerfiles set or read, with where."""
    where: Dict[str, str] = {}
    for config in of_kind("ConfigMap"):
        where.update({key: f"ConfigMap {config['metadata']['name']}" for key in config.get("data", {})})
    for secret in of_kind("Secret"):
        where.update({key: f"Secret {secret['metadata']['name']}" for key in secret.get("stringData", {})})
    for owner, container in containers():
        for item in container.get("env", []):
            where[item["name"]] = owner
            ref = item.get("valueFrom", {}).get("secretKeyRef") or item.get("valueFrom", {}).get("configMapKeyRef")
            if ref:
                where[ref["key"]] = owner
    for dockerfile in DOCKERFILES:
        for name in re.findall(r"^\s*(?:ENV\s+)?([A-Z][A-Z0-9_]+)=", dockerfile.read_text(encoding="utf-8"), re.M):
            if name.startswith(("SENALES_", "RASA_")):
                where[name] = dockerfile.name
    return where


def test_every_setting_the_deployment_names_is_read_by_the_code_or_rasa():
    read = names_read_by_code()
    unknown = {name: where for name, where in referenced_settings().items()
               if name not in read and name not in PLANNED_SETTINGS}
    assert not unknown, f"no code reads these (a typo?): {unknown}"


def test_planned_settings_are_documented_and_not_yet_read():
    env_example = (ROOT / ".env.example").read_text(encoding="utf-8")
    read = names_read_by_code()
    for name in PLANNED_SETTINGS:
        assert re.search(rf"^{name}=", env_example, re.M), f"{name} is not in .env.example"
        assert name not in read, f"the code reads {name} now: remove it from PLANNED_SETTINGS"


def test_every_secret_a_pod_reads_is_in_the_secret_template_and_every_config_map_exists():
    secrets = {s["metadata"]["name"]: set(s.get("stringData", {})) for s in of_kind("Secret")}
    config_maps = {c["metadata"]["name"] for c in of_kind("ConfigMap")}
    for owner, container in containers():
        for item in container.get("env", []):
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["key"] in secrets.get(ref["name"], set()), (owner, ref)
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                assert source["configMapRef"]["name"] in config_maps, (owner, source)
            if "secretRef" in source:
                assert source["secretRef"]["name"] in secrets, (owner, source)


def test_the_secret_template_holds_placeholders_only():
    templates = of_kind("Secret")
    assert templates, "no Secret template"
    for secret in templates:
        assert "data" not in secret, "base64 `data:` would hide a real value; use stringData placeholders"
        for key, value in secret["stringData"].items():
            assert "CHANGE-ME" in value, f"{key} is not a placeholder"
            rest = value.replace("CHANGE-ME", "")
            assert not re.search(r"[A-Za-z0-9_\-+/=]{24,}", rest), f"{key} looks like it holds a real value"
            if "://" in rest:  # a URL may only point at a placeholder host
                assert urllib.parse.urlsplit(rest).hostname.endswith(("example.internal", "example.org")), key
    config_values = " ".join(str(v) for c in of_kind("ConfigMap") for v in c["data"].values())
    assert not re.search(r"(?i)password|token|secret|://[^/\s]*:[^@/\s]+@", config_values), "a secret in the ConfigMap"


def test_the_ingress_routes_only_the_two_webhooks_and_nothing_else_is_exposed():
    ingresses = of_kind("Ingress")
    assert len(ingresses) == 1
    spec = ingresses[0]["spec"]
    assert "defaultBackend" not in spec
    paths = [(p["path"], p["pathType"], p["backend"]["service"]["name"]) for rule in spec["rules"]
             for p in rule["http"]["paths"]]
    assert {path for path, _, _ in paths} == WEBHOOK_PATHS and len(paths) == len(WEBHOOK_PATHS)
    assert all(kind == "Prefix" and service == "senales-rasa" for _, kind, service in paths)
    services = {s["metadata"]["name"]: s for s in of_kind("Service")}
    assert "senales-rasa" in services
    assert all(s["spec"].get("type", "ClusterIP") == "ClusterIP" for s in services.values()), "a Service exposed outside"
    assert not any("console" in name for name in services), "the console must not get a Service"
    assert all(not spec.get("hostNetwork") for _, spec in pod_specs())
    assert all("hostPort" not in port for _, c in containers() for port in c.get("ports", []))


def dockerfile_copies(dockerfile: Path) -> List[str]:
    sources = []
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY "):
            parts = [p for p in shlex.split(line[5:]) if not p.startswith("--")]
            sources.extend(parts[:-1])
    return sources


def dockerignored(path: str) -> bool:
    """Docker's rule: the last .dockerignore pattern matching the path (or a parent) decides."""
    ignored = False
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate, pattern = line.startswith("!"), line.lstrip("!").rstrip("/")
        parts = path.rstrip("/").split("/")
        candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        if any(fnmatch.fnmatch(c, pattern) or fnmatch.fnmatch(c, pattern.replace("**/", "")) for c in candidates):
            ignored = not negate
    return ignored


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_every_file_a_dockerfile_copies_exists_and_is_in_the_build_context(dockerfile):
    sources = dockerfile_copies(dockerfile)
    assert "requirements.lock" in sources and "bot/" in sources
    model = str(MODEL_FILE.relative_to(ROOT))
    for source in sources:
        assert not dockerignored(source), f"{dockerfile.name} copies {source}, which .dockerignore leaves out"
        if source == model:
            continue  # made by `make train` before `docker build`
        assert (ROOT / source).exists(), f"{dockerfile.name} copies {source}, which is not in the repository"
    assert (model in sources) == dockerfile.name.startswith("rasa"), "only the Rasa image carries the model"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_the_images_run_as_a_non_root_user_with_a_health_check(dockerfile):
    text = dockerfile.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.10-slim\b", text, re.M)
    assert re.search(r"^USER (?!root\b|0\b)\S+", text, re.M)
    assert "HEALTHCHECK" in text and re.search(r"^EXPOSE (5005|5055)$", text, re.M)
    assert "pip install -r requirements.lock" in text and "pip install --no-deps ." in text
    for secretish in ("var/", ".env", ".venv", ".git"):
        assert dockerignored(secretish), f".dockerignore must leave {secretish} out"


def command_of(container: dict) -> List[str]:
    return list(container.get("command", [])) + list(container.get("args", []))


def test_every_bot_command_and_module_the_manifests_run_exists():
    parser = build_parser()
    seen = set()
    for owner, container in containers():
        argv = command_of(container)
        if argv[:1] == ["bot"]:
            key = tuple(argv[1:3])
            seen.add(key)
            if key in PLANNED_COMMANDS:
                with pytest.raises(SystemExit):  # not in bot/cli.py yet; remove from PLANNED_COMMANDS when it is
                    parser.parse_args(argv[1:])
                continue
            parser.parse_args(argv[1:])
        elif argv[:2] == ["python", "-m"]:
            assert importlib.util.find_spec(argv[2]) is not None, (owner, argv)
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            command = container.get(probe, {}).get("exec", {}).get("command")
            if command:
                assert command[0] == "python", (owner, probe)
    assert {("purge", "--older-than"), ("reports", "deliver"), ("analytics", "consume")} <= seen


def test_the_rasa_deployment_runs_the_image_command_with_probes_on_status():
    rasa_cmd = re.search(r'^CMD (\[.*?\])\s*$', (DOCKER / "rasa.Dockerfile").read_text(encoding="utf-8").replace("\\\n", ""), re.M | re.S)
    deployments = {d["metadata"]["name"]: d for d in of_kind("Deployment")}
    container = deployments["senales-rasa"]["spec"]["template"]["spec"]["containers"][0]
    assert command_of(container) == yaml.safe_load(rasa_cmd.group(1))
    assert "--enable-api" in command_of(container) and "endpoints.production.yml" in command_of(container)
    assert container["readinessProbe"]["httpGet"]["path"] == "/status" and "livenessProbe" in container
    actions = deployments["senales-actions"]["spec"]["template"]["spec"]["containers"][0]
    assert actions["readinessProbe"]["httpGet"]["path"] == "/health"
    assert deployments["senales-rasa"]["spec"]["replicas"] == 2 and deployments["senales-actions"]["spec"]["replicas"] == 2
    autoscaler = of_kind("HorizontalPodAutoscaler")[0]["spec"]
    assert autoscaler["scaleTargetRef"]["name"] == "senales-rasa" and autoscaler["minReplicas"] >= 2
    for owner, spec in pod_specs():
        assert spec["securityContext"]["runAsNonRoot"] is True, owner
