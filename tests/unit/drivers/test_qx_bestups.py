"""``protocol = bestups`` on the replies in NUT's ``nutdrv_qx_bestups.c``.

The replies are the examples in the comments of NUT 2.8.0's BestUPS table
and its ``bestups_testing`` table: ``Q1``, the three ``ID`` widths, ``RT``,
``BP?``, ``SS?``, ``M``.
"""

from __future__ import annotations

import pytest

from powerdown.drivers.qx import bestups
from powerdown.drivers.qx.engine import Poll, run_sync
from powerdown.drivers.qx.items import Item
from powerdown.protocol.sock import TrackingStatus
from tests.support.qxreplies import answering, started, values

NUT_REPLIES = {
    "Q1": "(215.0 195.0 230.0 014 49.0 22.7 30.0 00100000",
    "ID": "FOR,750,120,120,20.0,27.6",
    "RT": "015",
    "BP?": "02",
    "SS?": "0",
    "M": "0",
}


def test_NUTs_example_replies_read_as_NUT_variables() -> None:
    engine, dstate, _ = started("bestups", answering(NUT_REPLIES))
    got = values(dstate)
    expected = {
        "input.voltage": "215.0",
        "input.voltage.fault": "195.0",
        "output.voltage": "230.0",
        "ups.load": "14",
        "input.frequency": "49.0",
        "battery.voltage": "22.70",
        "ups.temperature": "30.0",
        "ups.type": "online",
        "device.mfr": "Best Power",
        "device.model": "Fortress",
        "ups.power.nominal": "750",
        "input.voltage.nominal": "120",
        "output.voltage.nominal": "120",
        "battery.voltage.low": "20.0",
        "battery.voltage.high": "27.6",
        # a Fortress has the runtime query: 15 minutes
        "battery.runtime": "900",
        # M 0 on a 120 V model: LEDs 2,3,4
        "input.transfer.low": "96",
        "input.transfer.boost.low": "96",
        "input.transfer.boost.high": "109",
        "input.transfer.trim.low": "130",
        "input.transfer.trim.high": "146",
        "input.transfer.high": "146",
        "ups.delay.start": "180",
        "ups.delay.shutdown": "30",
    }
    assert {k: got.get(k) for k in expected} == expected
    # no beeper bit, no battery packs on a Fortress
    assert "ups.beeper.status" not in got and "battery.packs" not in got
    assert engine.status == {"OL", "BOOST"}


def test_the_bypass_boost_buck_bit_is_read_last_and_only_on_line() -> None:
    engine, dstate, _ = started("bestups", answering(NUT_REPLIES))
    assert run_sync(engine.update(100.0), answering(NUT_REPLIES)) is Poll.OK
    # 230 V out of 215 V in: boosting
    assert dstate.getinfo("ups.status") == "OL BOOST"
    on_battery = dict(NUT_REPLIES, Q1=NUT_REPLIES["Q1"][:-8] + "10100000")
    assert run_sync(engine.update(200.0), answering(on_battery)) is Poll.OK
    assert dstate.getinfo("ups.status") == "OB"
    testing = dict(NUT_REPLIES, Q1=NUT_REPLIES["Q1"][:-8] + "00100100")
    assert run_sync(engine.update(300.0), answering(testing)) is Poll.OK
    assert dstate.getinfo("ups.status") == "OL CAL"


def test_a_Patriot_Pro_has_no_runtime_and_an_inverted_bit() -> None:
    replies = dict(NUT_REPLIES, ID="PRO,750,230,230,20.0,27.6")
    replies["Q1"] = "(230.0 195.0 241.0 014 49.0 22.7 30.0 00000000"
    engine, dstate, _ = started("bestups", answering(replies))
    got = values(dstate)
    assert got["device.model"] == "Patriot Pro"
    assert "battery.runtime" not in got
    # E model, M 0: LEDs 2,3,4 of the 230 V table
    assert got["input.transfer.low"] == "200"
    assert got["input.transfer.high"] == "284"
    assert run_sync(engine.update(100.0), answering(replies)) is Poll.OK
    # the bit says 0, which on a Patriot Pro means "active": 241 V out of 230 V in
    assert dstate.getinfo("ups.status") == "OL BYPASS"
    # a full poll re-reads M: the nominal voltage becomes the table's
    assert dstate.getinfo("input.voltage.nominal") == "240"


def test_an_Axxium_has_battery_packs_settable_0_to_5() -> None:
    replies = dict(NUT_REPLIES, ID="AX1,1500,120,120,20.0,27.6")
    engine, dstate, _ = started("bestups", answering(replies))
    assert dstate.getinfo("device.model") == "Axxium Rackmount"
    assert dstate.getinfo("battery.packs") == "2"
    assert dstate.getinfo("battery.runtime") == "900"
    sent: list[bytes] = []
    assert run_sync(engine.setvar("battery.packs", "1"), answering(replies, sent)) is (
        TrackingStatus.HANDLED
    )
    assert sent == [b"BP1\r"]
    assert (
        run_sync(engine.setvar("battery.packs", "6"), answering(replies)) is TrackingStatus.UNKNOWN
    )


@pytest.mark.parametrize(
    ("code", "mfr", "model"),
    [
        ("FTC", "Best Power", "Fortress Telecom"),
        ("PR2", "Best Power", "Patriot Pro II"),
        ("620", "Sola Australia", "Sola 620"),
        ("320", "Unknown", "Sola 320"),
        ("XYZ", "Unknown", "Unknown (%s)"),
    ],
)
def test_model_codes(code: str, mfr: str, model: str) -> None:
    _, dstate, logs = started(
        "bestups", answering(dict(NUT_REPLIES, ID=f"{code},750,120,120,20.0,27.6"))
    )
    assert (dstate.getinfo("device.mfr"), dstate.getinfo("device.model")) == (mfr, model)
    if code == "XYZ":
        assert "Unknown model detected - please report this ID: 'XYZ'" in logs


def _id(answer: str) -> str | None:
    return bestups.reshape_id(Item(name="device.model"), answer)


def test_ID_replies_of_every_width_in_NUTs_comments() -> None:
    assert _id("FOR,750,120,120,20.0,27.6\r") == "FOR, 750,120,120,20.0, 27.6\r"
    assert _id("FOR,1500,120,120,20.0,27.6\r") == "FOR,1500,120,120,20.0, 27.6\r"
    # 28 characters: refused by NUT's length check, as here
    assert _id("FOR,3000,120,120,20.0,100.6\r") is None
    assert _id("FOR,750,120,120,20.0\r") is None
    assert _id("") == ""


def test_orders_are_NUTs_bytes() -> None:
    engine, _, _ = started("bestups", answering(NUT_REPLIES))
    sent: list[bytes] = []

    def command(name: str, param: str | None = None) -> list[bytes]:
        sent.clear()
        assert run_sync(engine.instcmd(name, param), answering(NUT_REPLIES, sent)) is (
            TrackingStatus.HANDLED
        )
        return sent[:]

    assert command("shutdown.return") == [b"S.5R0003\r"]
    assert command("shutdown.stayoff") == [b"S.5\r"]
    assert command("test.battery.start", "240") == [b"T04\r"]
    assert run_sync(engine.setvar("ups.delay.shutdown", "120"), answering(NUT_REPLIES)) is (
        TrackingStatus.HANDLED
    )
    assert run_sync(engine.setvar("ups.delay.start", "300"), answering(NUT_REPLIES)) is (
        TrackingStatus.HANDLED
    )
    assert command("shutdown.return") == [b"S02R0005\r"]
    assert command("shutdown.stayoff") == [b"S02\r"]
    # NUT's BestUPS range: the off delay up to 5940 s, the on delay from a minute
    assert run_sync(engine.setvar("ups.delay.shutdown", "5940"), answering(NUT_REPLIES)) is (
        TrackingStatus.HANDLED
    )
    assert run_sync(engine.setvar("ups.delay.start", "0"), answering(NUT_REPLIES)) is (
        TrackingStatus.UNKNOWN
    )
    assert run_sync(engine.instcmd("beeper.toggle", None), answering(NUT_REPLIES)) is (
        TrackingStatus.INVALID
    )


def test_pins_shutdown_mode_from_ups_conf_is_sent_once_unless_already_set() -> None:
    sent: list[bytes] = []
    started("bestups", answering(NUT_REPLIES, sent), {"pins_shutdown_mode": "2"})
    assert b"SS2\r" in sent
    sent.clear()
    _, _, logs = started("bestups", answering(NUT_REPLIES, sent), {"pins_shutdown_mode": "0"})
    assert not any(c.startswith(b"SS") and c != b"SS?\r" for c in sent)
    assert "pins_shutdown_mode is already set to 0" in logs
