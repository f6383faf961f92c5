"""The production profile's files agree with each other, and its small parts behave.

endpoints.production.yml takes every value from the environment; .env.example must document
each of those names (a deployment copies it), and the topology launcher must refuse clearly
when one is missing. The event broker must let Rasa start and answer with RabbitMQ down.
"""
from __future__ import annotations

import asyncio
import logging
import re
import uuid

import pytest

from bot.devtools import envfile, topology
from bot.devtools.paths import ROOT
from tests.conftest import skip_or_fail

ENV_REF = re.compile(r"\$\{([A-Z0-9_]+)\}")


def test_every_variable_the_production_endpoints_use_is_documented():
    lines = (ROOT / "endpoints.production.yml").read_text().splitlines()
    used = set(ENV_REF.findall("\n".join(line for line in lines if not line.lstrip().startswith("#"))))
    documented = set(envfile.load(ROOT / ".env.example"))
    assert used and used <= documented, used - documented
    assert set(topology.REQUIRED) <= documented


def test_rasa_expands_the_production_endpoints_from_the_environment(monkeypatch):
    from rasa.core.utils import AvailableEndpoints

    for name, value in envfile.load(ROOT / ".env.example").items():
        monkeypatch.setenv(name, value)
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.production.yml"))
    assert endpoints.tracker_store.kwargs["dialect"] == "postgresql"
    assert endpoints.tracker_store.url == "127.0.0.1" and endpoints.lock_store.type == "redis"
    assert endpoints.event_broker.type.endswith("GapLoggingPikaEventBroker")
    assert endpoints.event_broker.kwargs["queues"] == ["senales_events"]
    assert endpoints.action.url == "http://127.0.0.1:8081/webhook"


def test_env_file_parsing():
    parsed = envfile.parse("# comment\n\nA=1\nexport B = two words \nC='x # y'\nD=plain # note\nE=\n")
    assert parsed == {"A": "1", "B": "two words", "C": "x # y", "D": "plain", "E": ""}
    with pytest.raises(envfile.EnvFileError, match="line|:2"):
        envfile.parse("A=1\nnot a setting\n", "prod.env")


def test_missing_settings_are_named():
    with pytest.raises(topology.TopologyError, match="SENALES_PG_HOST.*SENALES_RABBITMQ_QUEUE"):
        topology.check_settings({"SENALES_PG_PORT": "5432"})


def test_nginx_configuration_balances_every_instance(tmp_path):
    layout = topology.Topology(env={}, rasa_ports=[6101, 6102, 6103], action_ports=[6201, 6202],
                               port=6080, actions_port=6081, run_dir=tmp_path)
    conf = layout.write_nginx_conf().read_text()
    assert conf.count("server 127.0.0.1:61") == 3 and conf.count("server 127.0.0.1:62") == 2
    assert "listen 127.0.0.1:6080;" in conf and "listen 127.0.0.1:6081;" in conf and "access_log off" in conf
    try:
        binary = topology.nginx_binary()
    except topology.TopologyError as error:
        skip_or_fail(str(error))
    import subprocess

    checked = subprocess.run([binary, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def _broker_config(port: int, queue: str):
    from rasa.utils.endpoints import EndpointConfig

    return EndpointConfig(url="127.0.0.1", port=port, username="guest", password="guest", queues=[queue],
                          connection_attempts=1, retry_delay_in_seconds=0.1,
                          type="bot.rasa_plugins.event_broker.GapLoggingPikaEventBroker")


def test_broker_down_at_start_does_not_stop_rasa_and_logs_the_gap_without_content(caplog):
    from bot.rasa_plugins.event_broker import GapLoggingPikaEventBroker

    async def scenario():
        broker = await GapLoggingPikaEventBroker.from_endpoint_config(_broker_config(1, "nowhere"))
        for i in range(3):
            broker.publish({"event": "user", "sender_id": "sms-x", "text": f"secret words {i}"})
        await asyncio.sleep(0.2)
        if broker._connector:
            broker._connector.cancel()
        return broker

    with caplog.at_level(logging.INFO, logger="bot.rasa_plugins.event_broker"):
        broker = asyncio.run(scenario())
    assert broker.gap_started is not None and len(broker._unpublished_events) == 3
    assert "unreachable" in caplog.text and "secret words" not in caplog.text


def test_broker_publishes_to_rabbitmq_and_caps_what_it_holds():
    import aio_pika

    from bot.rasa_plugins.event_broker import GapLoggingPikaEventBroker

    queue = f"senales_unit_{uuid.uuid4().hex[:8]}"

    async def scenario():
        try:
            broker = await asyncio.wait_for(
                GapLoggingPikaEventBroker.from_endpoint_config(_broker_config(5672, queue)), 20)
        except Exception as error:
            return error
        if broker._exchange is None:
            return "RabbitMQ not reachable at 127.0.0.1:5672"
        for i in range(5):
            broker.publish({"event": "user", "sender_id": "sms-y", "text": f"hello {i}"})
        await asyncio.sleep(1.0)
        connection = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/")
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, durable=True, passive=True)
        count = declared.declaration_result.message_count
        await declared.delete(if_unused=False, if_empty=False)
        await connection.close()
        await broker.close()
        capped = GapLoggingPikaEventBroker("127.0.0.1", "guest", "guest", queues=[queue], max_held_events=2)
        for i in range(4):
            capped._hold({"n": i})
        return count, [e["n"] for e in capped._unpublished_events], capped.dropped

    result = asyncio.run(scenario())
    if not isinstance(result, tuple):
        skip_or_fail(f"RabbitMQ: {result!r}")
    assert result == (5, [2, 3], 2)
