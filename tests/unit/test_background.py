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
    assert "sms-c" not in background._by_key


def test_work_left_by_a_closed_loop_never_blocks_a_later_one():
    """Each asyncio.run (a test, a CLI command) has its own loop; a write it left unfinished must
    not make a later loop's ``settled`` or ``drain`` fail or hang."""
    async def left_behind():
        background.start(asyncio.sleep(30), "a write never finished", key="sms-d")

    asyncio.run(left_behind())  # the loop closes with the write still pending

    async def later():
        await background.settled("sms-d")
        await background.drain()
        return True

    assert asyncio.run(asyncio.wait_for(later(), 5))
