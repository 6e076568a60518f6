"""``protocol = mecer`` on the replies in NUT's ``mecer_testing`` table (``nutdrv_qx_mecer.c``)."""

from __future__ import annotations

import pytest

from powerdown.drivers.dstate import Dstate
from powerdown.drivers.qx.engine import Engine, Mode, run_sync
from powerdown.drivers.qx.protocols import by_name
from powerdown.protocol.sock import TrackingStatus
from tests.support.qxreplies import Answer, answering, values

#: NUT's testing table: the queries, and the orders with the reply each got
NUT_REPLIES = {
    "Q1": "(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000",
    "QPI": "(PI98",
    "F": "#230.0 000 024.0 50.0",
    "I": "#NOT_A_LIVE_UPS  TESTING    TESTING   ",
    "Q": "(ACK",
    "S03": "(NAK",
    "C": "(NAK",
    "S02R0005": "(ACK",
    "S.5R0000": "(ACK",
    "T04": "(NAK",
    "TL": "(ACK",
    "T": "(NAK",
    "CT": "(ACK",
}


def _nak(_query: str) -> bytes:
    return b"(NAK\r"


def _ups(replies: dict[str, str], sent: list[bytes] | None = None) -> Answer:
    return answering(replies, sent, _nak)


def _engine(replies: dict[str, str]) -> tuple[Engine, Dstate, bool]:
    proto = by_name("mecer")
    assert proto is not None
    dstate = Dstate()
    engine = Engine(proto, dstate)
    claimed = run_sync(engine.claim(), _ups(replies))
    if claimed:
        assert run_sync(engine.walk(Mode.INIT, 0.0), _ups(replies))
    return engine, dstate, claimed


def test_NUTs_example_replies_read_as_NUT_variables() -> None:
    _, dstate, claimed = _engine(NUT_REPLIES)
    assert claimed
    got = values(dstate)
    expected = {
        "ups.firmware.aux": "Voltronic Power P98",
        "input.voltage": "215.0",
        "battery.voltage": "22.70",
        "ups.beeper.status": "disabled",
        "input.voltage.nominal": "230",
        "battery.voltage.nominal": "24.0",
        "device.mfr": "NOT_A_LIVE_UPS",
        "device.model": "TESTING",
        "ups.firmware": "TESTING",
    }
    assert {k: got.get(k) for k in expected} == expected


@pytest.mark.parametrize(
    ("qpi", "claimed", "aux"),
    [
        ("(NAK", True, None),  # refused: a Mecer all the same, QPI skipped
        ("(PI01", False, None),  # another Voltronic protocol
        ("QPI", False, None),  # echoed back: a plain Megatec UPS
        (None, False, None),  # silence
    ],
)
def test_claim_on_QPI(qpi: str | None, claimed: bool, aux: str | None) -> None:
    replies = dict(NUT_REPLIES)
    if qpi is None:
        replies["QPI"] = ""
    else:
        replies["QPI"] = qpi
    engine, dstate, got = _engine(replies)
    assert got is claimed
    assert dstate.getinfo("ups.firmware.aux") == aux
    if not claimed:
        # a failed claim takes its reading back
        assert dstate.getinfo("input.voltage") is None
    else:
        assert engine.find("ups.firmware.aux") in engine.skip


def test_orders_succeed_on_ACK_and_fail_on_NAK_or_silence() -> None:
    engine, _, _ = _engine(NUT_REPLIES)

    def command(name: str, param: str | None = None) -> tuple[TrackingStatus, list[bytes]]:
        sent: list[bytes] = []
        result = run_sync(engine.instcmd(name, param), _ups(NUT_REPLIES, sent))
        return result, sent

    assert command("beeper.toggle") == (TrackingStatus.HANDLED, [b"Q\r"])
    assert command("load.on") == (TrackingStatus.FAILED, [b"C\r"])
    assert command("test.battery.start.deep") == (TrackingStatus.HANDLED, [b"TL\r"])
    assert command("test.battery.start.quick") == (TrackingStatus.FAILED, [b"T\r"])
    assert command("test.battery.start", "240") == (TrackingStatus.FAILED, [b"T04\r"])
    # P98 units take tenths of a minute below 60 s
    assert command("test.battery.start", "30")[1] == [b"T.5\r"]
    assert command("test.battery.start", "11") == (TrackingStatus.FAILED, [])
    assert command("test.battery.start", "5941") == (TrackingStatus.FAILED, [])
    assert command("test.battery.start", "1m") == (TrackingStatus.FAILED, [])
    assert command("shutdown.stayoff") == (TrackingStatus.HANDLED, [b"S.5R0000\r"])
    silent = engine.instcmd("test.battery.stop", None)
    assert run_sync(silent, lambda command: b"") is TrackingStatus.FAILED


def test_other_units_test_the_battery_a_minute_at_least() -> None:
    engine, _, _ = _engine(dict(NUT_REPLIES, QPI="(NAK"))
    sent: list[bytes] = []
    assert run_sync(engine.instcmd("test.battery.start", "30"), _ups(NUT_REPLIES, sent)) is (
        TrackingStatus.FAILED
    )
    assert sent == []
    assert run_sync(engine.instcmd("test.battery.start", "60"), _ups(NUT_REPLIES, sent)) is (
        TrackingStatus.FAILED
    )
    assert sent == [b"T01\r"]
