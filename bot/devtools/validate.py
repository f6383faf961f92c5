"""``make validate``: ``rasa data validate`` where every warning fails, with one exception.

Rasa 3.6's validator does not look inside forms or custom actions, so it reports the responses
they send (``utter_ask_<slot>`` for a form's questions, verdicts sent by ``actions/``) as "not used
in any story or rule". Those, and only those, are let through: a response passes only if a form
asks for its slot or its name appears in the action code. Any other warning fails the build.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Iterable, List, Set

import yaml

from bot.devtools.paths import ROOT
from bot.devtools.servers import quiet_env

UNUSED = re.compile(r"UserWarning: The utterance '(utter_[\w]+)' is not used in any story or rule\.")
WARNING = re.compile(r"(UserWarning|WARNING)\b.*")
IGNORED_NOISE = ("DeprecationWarning", "MovedIn20Warning", "declare_namespace", "pkg_resources", "xla_computation")


def responses_sent_by_code(root: Path = ROOT) -> Set[str]:
    domain = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))
    asked = {
        f"utter_ask_{slot}"
        for form in (domain.get("forms") or {}).values()
        for slot in form.get("required_slots", [])
    }
    code = "\n".join(p.read_text(encoding="utf-8") for p in (root / "actions").rglob("*.py"))
    in_code = {name for name in domain.get("responses", {}) if name in code}
    # verdict names built from a prefix in code (utter_offer_verdict_{risk}) count when the prefix is there
    prefixed = {name for name in domain.get("responses", {}) if name.rsplit("_", 1)[0] + "_{" in code}
    return asked | in_code | prefixed


def real_warnings(output: Iterable[str], allowed: Set[str]) -> List[str]:
    problems = []
    for line in output:
        if any(noise in line for noise in IGNORED_NOISE):
            continue
        unused = UNUSED.search(line)
        if unused:
            if unused.group(1) not in allowed:
                problems.append(unused.group(0))
            continue
        warning = WARNING.search(line)
        if warning:
            problems.append(warning.group(0))
    return problems


def main() -> int:
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate"], cwd=ROOT, env=quiet_env(),
        capture_output=True, text=True,
    )
    output = (result.stdout + result.stderr).splitlines()
    problems = real_warnings(output, responses_sent_by_code())
    if result.returncode != 0 or problems:
        print("\n".join(output[-40:]) if result.returncode != 0 else "", file=sys.stderr)
        for problem in problems:
            print(f"✘ {problem}", file=sys.stderr)
        print("✘ rasa data validate found problems (warnings fail here).", file=sys.stderr)
        return 1
    print("✔ rasa data validate: no warnings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
