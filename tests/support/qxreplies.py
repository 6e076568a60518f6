"""The nutdrv_qx engine on a table of replies, for the per-protocol unit tests.

NUT's subdriver sources list example replies per query; these tests feed
them to the sans-I/O engine directly, with no pty or process between.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from powerdown.drivers.dstate import Dstate
from powerdown.drivers.qx.engine import Engine, Mode, run_sync
from powerdown.drivers.qx.protocols import by_name

__all__ = ["Answer", "answering", "started", "values"]

Answer = Callable[[bytes], bytes]


def _silent(_query: str) -> bytes:
    return b""


def answering(
    replies: Mapping[str, str],
    sent: list[bytes] | None = None,
    unknown: Callable[[str], bytes] = _silent,
) -> Answer:
    """A UPS that answers each query in ``replies`` (CR added), ``unknown`` otherwise.

    Every command is appended to ``sent`` when one is given.
    """

    def answer(command: bytes) -> bytes:
        if sent is not None:
            sent.append(command)
        key = command.decode().rstrip("\r")
        return (replies[key] + "\r").encode() if key in replies else unknown(key)

    return answer


def started(
    protocol: str,
    answer: Answer,
    conf: Mapping[str, str] | None = None,
) -> tuple[Engine, Dstate, list[str]]:
    """An engine that has claimed the UPS and walked INIT; its tree and log lines."""
    proto = by_name(protocol)
    assert proto is not None
    dstate = Dstate()
    logs: list[str] = []
    settings = dict(conf or {})
    engine = Engine(
        proto, dstate, log=logs.append, getval=settings.get, testvar=lambda n: n in settings
    )
    assert run_sync(engine.claim(), answer)
    assert run_sync(engine.walk(Mode.INIT, 0.0), answer)
    return engine, dstate, logs


def values(dstate: Dstate) -> dict[str, str]:
    """The tree as ``upsc`` would list it."""
    return dict(line.split(": ", 1) for line in dstate.upsc_lines())
