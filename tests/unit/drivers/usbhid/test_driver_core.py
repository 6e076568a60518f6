"""usbhid-ups's logic over a replayed device: what NUT's driver would publish and send."""

from __future__ import annotations

import pytest

from powerdown.drivers.dstate import Dstate
from powerdown.drivers.framework import DeviceError, Status
from powerdown.drivers.usbhid.driver import HidUps, Settings
from powerdown.drivers.usbhid.matcher import HidGone
from powerdown.state.tree import Flag
from tests.support.hiddouble import ReplayDevice, make_device


def start(dev: ReplayDevice | None = None, **settings: object) -> tuple[HidUps, Dstate, list]:
    devices = [dev or make_device()]
    d = Dstate()
    pauses: list[float] = []
    core = HidUps(
        Settings(**settings),  # type: ignore[arg-type]
        d,
        opener=lambda: [x for x in devices if not x.gone],
        pause=pauses.append,
    )
    core.initups()
    core.initinfo(100.0)
    core.update(100.0, None)
    return core, d, pauses


def test_initinfo_publishes_what_the_descriptor_has() -> None:
    core, d, _ = start()
    assert d.getinfo("ups.status") == "OL CHRG"
    assert d.getinfo("battery.charge") == "95"
    assert d.getinfo("battery.runtime") == "1800"
    assert d.getinfo("ups.beeper.status") == "enabled"
    assert d.getinfo("ups.vendorid") == "051d" and d.getinfo("ups.productid") == "0002"
    assert d.getinfo("ups.mfr") == "American Power Conversion"
    assert d.getinfo("driver.version.data") == "APC HID 0.101"
    # an absent row: the driver's own default, RW string of 10
    assert d.getinfo("ups.delay.shutdown") == "20"
    var = d.tree.get("ups.delay.shutdown")
    assert var is not None and var.flags & Flag.RW and var.flags & Flag.STRING and var.aux == 10
    low = d.tree.get("battery.charge.low")
    assert low is not None and low.flags & Flag.RW
    # rows whose path the device lacks are not published
    assert d.getinfo("input.voltage") is None
    cmds = set(d.tree.cmds())
    assert {"load.off", "load.on", "load.off.delay", "shutdown.return", "shutdown.stayoff"} <= cmds
    assert {"beeper.enable", "beeper.disable", "beeper.mute"} <= cmds
    assert "test.battery.start.quick" not in cmds


def test_no_device_is_NUTs_fatal_message() -> None:
    core = HidUps(Settings(), Dstate(), opener=list)
    with pytest.raises(DeviceError, match="No matching HID UPS found"):
        core.initups()


def test_matcher_options_pick_the_device() -> None:
    other = make_device(serial="OTHER")
    mine = make_device(serial="MINE")
    core = HidUps(Settings(regexes={"serial": "mine"}), Dstate(), opener=lambda: [other, mine])
    core.initups()
    assert core.dev is mine and other.closed


def test_unclaimed_device_needs_the_subdriver_option() -> None:
    odd = make_device(vendorid=0x1234)
    with pytest.raises(DeviceError):
        HidUps(Settings(), Dstate(), opener=lambda: [odd]).initups()
    core = HidUps(
        Settings(subdriver="apc"), Dstate(), opener=lambda: [make_device(vendorid=0x1234)]
    )
    core.initups()
    assert core.sub is not None and core.sub.name == "APC HID"


def test_quick_poll_reads_status_report_only_within_pollfreq() -> None:
    dev = make_device()
    core, d, _ = start(dev)
    dev.gets.clear()
    core.update(103.0, None)  # buffer older than pollinterval (2 s): status re-read
    assert set(dev.gets) <= {2, 3, 4}  # quick-poll rows: status bits and timers
    assert 1 not in dev.gets


def test_one_get_report_serves_every_value_in_it() -> None:
    dev = make_device()
    start(dev)
    # report 1 carries three values; it was read once in the first walk
    first_walk = dev.gets[: dev.gets.index(2)] if 2 in dev.gets else dev.gets
    assert first_walk.count(1) == 1


def test_interrupt_report_updates_status() -> None:
    core, d, _ = start()
    core.update(101.0, bytes([2, 0b0010]))  # on battery, discharging
    assert d.getinfo("ups.status") == "OB DISCHRG"
    core.update(102.0, bytes([2, 0b1010]))  # and below the limit
    assert d.getinfo("ups.status") == "OB DISCHRG LB"


def test_instcmd_load_off_sets_delay_zero() -> None:
    dev = make_device()
    core, d, _ = start(dev)
    assert core.instcmd("load.off", None) == Status.HANDLED
    assert dev.sets == [(3, bytes([3, 0, 0]))]


def test_instcmd_beeper_and_renamed_beeper_on() -> None:
    dev = make_device()
    core, _, _ = start(dev)
    assert core.instcmd("beeper.disable", None) == Status.HANDLED
    assert core.instcmd("beeper.on", None) == Status.HANDLED  # -> beeper.enable
    assert dev.sets == [(5, bytes([5, 1])), (5, bytes([5, 2]))]


def test_shutdown_return_uses_the_delays() -> None:
    dev = make_device()
    core, d, pauses = start(dev, offdelay="60", ondelay="120")
    assert d.getinfo("ups.delay.shutdown") == "60"
    assert core.instcmd("shutdown.return", None) == Status.HANDLED
    assert dev.sets == [(4, bytes([4, 120, 0])), (3, bytes([3, 60, 0]))]
    assert pauses == [0.125]


def test_shutdown_stayoff_never_restarts() -> None:
    dev = make_device()
    core, _, _ = start(dev)
    assert core.instcmd("shutdown.stayoff", None) == Status.HANDLED
    assert dev.sets == [(4, bytes([4, 0xFF, 0xFF])), (3, bytes([3, 20, 0]))]


def test_kill_power_sequence_is_shutdown_return_first() -> None:
    dev = make_device()
    core, _, _ = start(dev)
    assert core.shutdown() == "shutdown.return"
    assert [rid for rid, _ in dev.sets] == [4, 3]


def test_setvar_writes_the_report_and_rereads() -> None:
    dev = make_device()
    core, d, _ = start(dev)
    assert core.setvar("battery.charge.low", "20") == Status.HANDLED
    assert dev.sets == [(1, bytes([1, 95, 20, 0x08, 0x07]))]
    core.update(101.0, None)  # a SET forces a full poll
    assert d.getinfo("battery.charge.low") == "20"


def test_setvar_absent_row_stays_in_the_driver() -> None:
    dev = make_device()
    core, d, _ = start(dev)
    assert core.setvar("ups.delay.shutdown", "90") == Status.HANDLED
    assert d.getinfo("ups.delay.shutdown") == "90" and dev.sets == []
    assert core.setvar("ups.mfr", "x") == Status.UNKNOWN


def test_device_gone_then_back_reconnects_to_the_same_one() -> None:
    dev = make_device()
    core, d, _ = start(dev)
    dev.vanish()
    with pytest.raises(HidGone):
        core.update(102.0, None)
    core.drop()
    assert not core.reconnect(103.0)  # still unplugged
    twin = make_device(serial="SOMEONE-ELSE")
    dev.come_back()
    core.opener = lambda: [twin, dev]
    assert core.reconnect(105.0)
    assert core.dev is dev and twin.closed
    dev.reports[2] = bytes([2, 0b0010])
    core.update(110.0, None)
    assert d.getinfo("ups.status") == "OB DISCHRG"


def test_explore_publishes_every_feature_path() -> None:
    core, d, _ = start(explore=True, regexes={"vendorid": "051d"})
    assert d.getinfo("unmapped.ups.powersummary.remainingcapacity") == "95"
    assert d.getinfo("unmapped.ups.powersummary.delaybeforeshutdown") == "-1"


def test_explore_needs_vendorid() -> None:
    with pytest.raises(DeviceError, match='must specify "vendorid" when using "explore"'):
        HidUps(Settings(explore=True), Dstate(), opener=lambda: [make_device()]).initups()
