"""Where a channel's state call runs: on the loop when it is the only message, else in a thread."""
import asyncio
import threading
import time

import pytest

from bot.channels import offload


@pytest.fixture(autouse=True)
def fresh():
    offload.reset()
    yield
    offload.reset()


def where_it_ran():
    return threading.get_ident()


def test_a_lone_message_calls_on_the_loop():
    async def scenario():
        with offload.serving():
            return await offload.call(where_it_ran)

    assert asyncio.run(scenario()) == threading.get_ident()


def test_with_other_messages_in_flight_the_call_goes_to_a_thread():
    async def scenario():
        with offload.serving(), offload.serving():
            assert offload.in_flight() == 2
            return await offload.call(where_it_ran)

    assert asyncio.run(scenario()) != threading.get_ident()
    assert offload.in_flight() == 0


def test_a_slow_call_sends_the_next_calls_to_a_thread():
    async def scenario():
        with offload.serving():
            await offload.call(time.sleep, offload.SLOW_SECONDS + 0.02)
            return await offload.call(where_it_ran)

    assert asyncio.run(scenario()) != threading.get_ident()
    assert not offload.inline_allowed()


def test_a_failing_call_raises_and_sends_the_next_calls_to_a_thread():
    def broken():
        raise ConnectionError("database restarting")

    async def scenario():
        with offload.serving():
            with pytest.raises(ConnectionError):
                await offload.call(broken)
            return await offload.call(where_it_ran)

    assert asyncio.run(scenario()) != threading.get_ident()


def test_the_count_drops_when_the_answer_fails():
    async def scenario():
        with pytest.raises(RuntimeError):
            with offload.serving():
                raise RuntimeError("turn crashed")

    asyncio.run(scenario())
    assert offload.in_flight() == 0
