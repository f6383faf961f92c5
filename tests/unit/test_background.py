"""Bookkeeping written while the reply goes out: never lost, never in the way of the next read."""
import asyncio
import logging

from bot.channels import background


def test_the_next_message_of_a_sender_waits_for_its_writes():
    written = []

    async def slow_write(value):
        await asyncio.sleep(0.2)
        written.append(value)

    async def scenario():
        background.start(slow_write("es"), "keeping the language", key="sms-a")
        background.start(slow_write("other"), "keeping the language", key="sms-b")
        await background.settled("sms-a")
        seen_by_next_message = list(written)
        await background.drain()
        return seen_by_next_message

    seen = asyncio.run(scenario())
    assert "es" in seen
    assert sorted(written) == ["es", "other"]


def test_settled_costs_nothing_when_nothing_runs():
    async def scenario():
        await background.settled("sms-nobody")
        return True

    assert asyncio.run(scenario())


def test_a_failed_write_is_logged_by_type_not_raised(caplog):
    async def broken():
        raise ConnectionError("tcp reset while writing 'my secret words'")

    async def scenario():
        background.start(broken(), "recording the reply", key="sms-c")
        await background.settled("sms-c")
        await background.drain()

    with caplog.at_level(logging.WARNING, logger="bot.channels.background"):
        asyncio.run(scenario())
    assert "recording the reply failed (ConnectionError)" in caplog.text
    assert "secret" not in caplog.text  # the failure's message may quote a teen
    assert not background._by_key and not background._running
