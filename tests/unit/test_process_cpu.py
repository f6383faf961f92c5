"""The load benchmark's CPU split: the load generator's own work is counted as its own role."""
import subprocess
import sys
import time

import pytest

from bot.devtools import process_cpu

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux only)")


def burn(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_own_cpu_is_the_load_generator():
    before = process_cpu.snapshot()
    burn(0.3)
    used = process_cpu.used_between(before, process_cpu.snapshot())
    assert 0.2 <= used["load generator"] <= 1.5


def test_a_rasa_instance_is_named_by_its_port():
    # A stand-in process whose command line reads like an instance's: only the name is tested.
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)", "rasa", "run", "--port", "5999"])
    try:
        time.sleep(0.2)
        assert process_cpu._role(child.pid, own_pid=-1) == "rasa:5999"
    finally:
        child.kill()
        child.wait()


def test_a_role_that_used_nothing_is_left_out():
    assert process_cpu.used_between({"nginx": 1.0, "redis": 2.0}, {"nginx": 1.0, "redis": 2.5}) == {"redis": 0.5}
