"""serialline against a simulated device on a pty: what every serial driver stands on."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from powerdown.drivers.serialline import SerialError, SerialLine, SerialTimeout
from tests.support.ptysim import PtySimulator


@pytest.fixture
def sim(tmp_path: Path) -> PtySimulator:
    with PtySimulator("tests.support.sim_echo", tmp_path / "sent.log", prefix="(") as s:
        yield s  # type: ignore[misc]


def _run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_request_and_answer(sim: PtySimulator) -> None:
    async def talk() -> bytes:
        line = SerialLine.open(sim.port, baudrate=2400, dtr=True, rts=False)
        try:
            await line.write(b"Q1\r")
            return await line.read_until(b"\r", timeout=3)
        finally:
            line.close()

    assert _run(talk()) == b"(1Q\r"
    assert sim.received() == b"Q1\r"


def test_paced_write_arrives_whole(sim: PtySimulator) -> None:
    async def talk() -> bytes:
        line = SerialLine.open(sim.port, baudrate=9600)
        try:
            await line.write(b"abc\r", pace=0.01)
            return await line.read_until(b"\r", timeout=3)
        finally:
            line.close()

    assert _run(talk()) == b"(cba\r"


def test_silence_is_a_timeout_then_the_line_recovers(sim: PtySimulator) -> None:
    async def talk() -> tuple[bool, bytes]:
        line = SerialLine.open(sim.port, baudrate=2400)
        try:
            sim.control(mode="silent")
            await line.write(b"Q1\r")
            timed_out = False
            try:
                await line.read_until(b"\r", timeout=0.3)
            except SerialTimeout:
                timed_out = True
            sim.control(mode="normal", prefix="#")
            line.flush_input()
            await line.write(b"F\r")
            return timed_out, await line.read_until(b"\r", timeout=3)
        finally:
            line.close()

    assert _run(talk()) == (True, b"#F\r")


def test_slow_answer_within_and_past_the_deadline(sim: PtySimulator) -> None:
    sim.control(delay=0.5)

    async def talk() -> tuple[bool, bytes]:
        line = SerialLine.open(sim.port, baudrate=2400)
        try:
            await line.write(b"I\r")
            late = False
            try:
                await line.read_until(b"\r", timeout=0.1)
            except SerialTimeout:
                late = True
            return late, await line.read_until(b"\r", timeout=3)
        finally:
            line.close()

    assert _run(talk()) == (True, b"(I\r")


def test_read_exactly_and_unread(sim: PtySimulator) -> None:
    async def talk() -> tuple[bytes, bytes]:
        line = SerialLine.open(sim.port, baudrate=2400)
        try:
            await line.write(b"xyz\r")
            head = await line.read_exactly(2, timeout=3)
            line.unread(head[1:])
            return head, await line.read_until(b"\r", timeout=3)
        finally:
            line.close()

    assert _run(talk()) == (b"(z", b"zyx\r")


def test_a_missing_port_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(SerialError, match=r"Unable to open .*/nope: No such file or directory"):
        SerialLine.open(str(tmp_path / "nope"), baudrate=2400)


def test_a_second_driver_cannot_open_a_locked_port(sim: PtySimulator) -> None:
    first = SerialLine.open(sim.port, baudrate=2400)
    try:
        with pytest.raises(SerialError, match="Unable to open"):
            SerialLine.open(sim.port, baudrate=2400)
    finally:
        first.close()


def test_a_vanished_device_is_an_error_not_a_hang(sim: PtySimulator) -> None:
    """The pty's other end goes away (an adapter unplugged): SerialError, not a timeout."""

    async def talk() -> None:
        line = SerialLine.open(sim.port, baudrate=2400)
        try:
            sim.stop()
            with pytest.raises(SerialError) as caught:
                await line.write(b"Q1\r")
                await line.read_until(b"\r", timeout=3)
            assert not isinstance(caught.value, SerialTimeout)
        finally:
            line.close()

    _run(talk())
