"""``protocol = hunnox`` on the replies in NUT's ``hunnox_testing`` table."""

from __future__ import annotations

from powerdown.drivers.qx.engine import Poll, run_sync
from powerdown.protocol.sock import TrackingStatus
from tests.support.qxreplies import answering, started, values

NUT_REPLIES = {
    "Q1": "(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000",
    "F": "#230.0 000 024.0 50.0",
    "FW?": "#NOT_A_LIVE_UPS  TESTING    TESTING   ",
}


def test_NUTs_example_replies_and_Hunnox_default_delays() -> None:
    _, dstate, _ = started("hunnox", answering(NUT_REPLIES))
    got = values(dstate)
    expected = {
        "input.voltage": "215.0",
        "battery.voltage": "22.70",
        "input.voltage.nominal": "230",
        "device.mfr": "NOT_A_LIVE_UPS",
        "ups.firmware": "TESTING",
        "ups.delay.start": "0",
        "ups.delay.shutdown": "60",
    }
    assert {k: got.get(k) for k in expected} == expected


def test_quick_polls_read_the_measurements_too() -> None:
    engine, dstate, _ = started("hunnox", answering(NUT_REPLIES))
    assert run_sync(engine.update(1000.0), answering(NUT_REPLIES)) is Poll.OK  # full
    newer = {"Q1": "(216.0 195.0 231.0 020 50.0 23.1 31.0 00000000"}
    assert run_sync(engine.update(1001.0), answering(newer)) is Poll.OK  # quick
    assert dstate.getinfo("input.voltage") == "216.0"
    assert dstate.getinfo("battery.voltage") == "23.10"
    assert dstate.getinfo("ups.load") == "20"


def test_orders_with_no_reply_or_NUTs_accepted_text() -> None:
    engine, _, _ = started("hunnox", answering(NUT_REPLIES))
    sent: list[bytes] = []
    # no on delay: shutdown.return is "S<n>" alone
    assert run_sync(engine.instcmd("shutdown.return", None), answering(NUT_REPLIES, sent)) is (
        TrackingStatus.HANDLED
    )
    assert sent == [b"S01\r"]
    acked = engine.instcmd("beeper.toggle", None)
    assert run_sync(acked, lambda command: b"UPS No Ack\r") is TrackingStatus.HANDLED
    echoed = engine.instcmd("beeper.toggle", None)
    assert run_sync(echoed, lambda command: b"Q\r") is TrackingStatus.FAILED
