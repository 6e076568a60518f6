"""The clone's outlet timers, on a fake clock (NUT's clone.c behaviour)."""

from __future__ import annotations

from powerdown.drivers.clone.outlet import Outlet
from powerdown.drivers.framework import Status


def test_Outlet_low_charge_on_battery_starts_the_shutdown_timer() -> None:
    o = Outlet(offdelay=10, ondelay=5, charge_low=50)
    o.status_seen("OB DISCHRG")
    o.charge_seen("60")
    assert o.tick(0.0) == [] and o.timer_shutdown == -1
    o.charge_seen("40")
    assert o.tick(1.0) == []
    assert o.timer_shutdown == 10 and o.shown_status == "FSD OB DISCHRG"
    assert o.tick(6.0) == [] and o.timer_shutdown == 5
    assert o.tick(11.5) == ["load.off"]
    assert o.timer_shutdown == -1 and not o.on and o.shown_status == "OB DISCHRG"


def test_Outlet_comes_back_after_ondelay_of_power() -> None:
    o = Outlet(offdelay=1, ondelay=5)
    o.status_seen("OL")
    assert o.instcmd("shutdown.return") == Status.HANDLED
    o.tick(0.0)
    assert o.tick(2.0) == ["load.off"]
    o.status_seen("OB")
    o.tick(10.0)
    assert o.timer_start == 5  # restarts while the power is out
    o.status_seen("OL")
    assert o.tick(12.0) == [] and o.timer_start == 3
    assert o.tick(16.0) == ["load.on"] and o.on and o.timer_start == -1


def test_Outlet_stayoff_never_switches_back_on() -> None:
    o = Outlet(offdelay=1, ondelay=1)
    assert o.instcmd("shutdown.stayoff") == Status.HANDLED
    o.tick(0.0)
    assert o.tick(2.0) == ["load.off"]
    assert o.tick(100.0) == [] and not o.on


def test_Outlet_unknown_command_and_unparsable_readings() -> None:
    o = Outlet(runtime_low=100)
    assert o.instcmd("load.off") == Status.UNKNOWN
    o.status_seen("OB")
    o.runtime_seen("garbage")  # strtod() reads 0: below the limit, as in NUT
    o.tick(0.0)
    assert o.timer_shutdown == o.offdelay
    o.outlet_seen("off")
    assert not o.on
