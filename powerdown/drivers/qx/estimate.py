"""Battery charge and runtime guesses for UPSes that report neither.

Strategy
--------
NUT's ``nutdrv_qx(8)`` "BATTERY CHARGE".  Without ``runtimecal`` the charge
comes from the battery voltage alone::

    charge = 100 * (voltage - low) / (high - low), clamped to 0..100

with ``battery.voltage.high``/``.low`` from the UPS or ``default.*`` in
ups.conf, else guessed from ``battery.voltage.nominal`` (104/120 and
130/120 of it).  ``battery.packs`` multiplies the reported voltage; when
not given it is guessed as the largest of NUT's pack counts that brings
the reading within 80..120 % of the nominal voltage.

With ``runtimecal = rh,lh,rl,ll`` (runtime ``rh`` at load ``lh`` %, ``rl``
at ``ll`` %) the driver keeps a running estimate of the runtime left at
full load: it falls by the effective load (``(load/100)^exp``, at least
``idleload``) for every second on battery, and rises by
``nominal/chargetime`` for every second on line; a battery voltage that
says less than that wins (old batteries).  Charge and runtime follow from
it.  The estimate lives across polls, so time is an argument.

Pure: the tree is read and written through ``getinfo``/``setinfo``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from powerdown.drivers.qx.items import NUMERIC, strtod, strtol

__all__ = ["Estimator", "EstimateError", "Tree", "PACKS"]

#: The pack counts NUT tries, largest first.
PACKS = (120, 100, 80, 60, 48, 36, 30, 24, 18, 12, 8, 6, 4, 3, 2, 1, 0.5)


class EstimateError(Exception):
    """A setting that makes the estimate impossible (NUT exits on these)."""


class Tree(Protocol):
    def getinfo(self, name: str) -> str | None: ...

    def setinfo(self, name: str, value: str, *, immutable: bool = False) -> bool: ...


def _set(tree: Tree, name: str, fmt: str, value: float) -> None:
    tree.setinfo(name, fmt % value)


@dataclass(slots=True)
class Estimator:
    """NUT's ``batt``/``load`` state with its three steps: start, each full poll."""

    log: Callable[[str], None] = field(default=lambda text: None)
    packs: float = 1.0
    runt_act: float = -1.0
    runt_nom: float = -1.0
    runt_est: float = 0.0
    runt_exp: float = 0.0
    volt_act: float = -1.0
    volt_high: float = -1.0
    volt_nom: float = -1.0
    volt_low: float = -1.0
    chrg_act: float = -1.0
    chrg_time: int = 43200
    load_act: float = 0.0
    load_low: float = 0.1
    load_eff: float = 1.0
    lastpoll: float = 0.0
    runtimecal: bool = False

    # -- what the UPS reported itself -----------------------------------------

    def reported(self, name: str, value: str) -> None:
        """A value the UPS gave: a reported charge or runtime is never guessed."""
        if name == "battery.charge":
            self.chrg_act = strtol(value)
        elif name == "battery.runtime":
            self.runt_act = strtol(value)

    def start_full_poll(self) -> None:
        self.runt_act = -1.0
        self.chrg_act = -1.0

    # -- the pieces ---------------------------------------------------------------

    def battery(self, tree: Tree) -> bool:
        """Read the voltage; guess the charge from it if the UPS gave none (``qx_battery``)."""
        val = tree.getinfo("battery.voltage")
        if val is None:
            return False
        self.volt_act = self.packs * strtod(val)
        if self.chrg_act == -1 and self.volt_low > 0 and self.volt_high > self.volt_low:
            charge = 100 * (self.volt_act - self.volt_low) / (self.volt_high - self.volt_low)
            self.chrg_act = min(100.0, max(0.0, charge))
            _set(tree, "battery.charge", "%.0f", self.chrg_act)
        return True

    def load(self, tree: Tree) -> bool:
        val = tree.getinfo("ups.load")
        if val is None:
            return False
        self.load_act = strtod(val)
        self.load_eff = max(self.load_low, math.pow(self.load_act / 100, self.runt_exp))
        return True

    # -- at start -------------------------------------------------------------------

    def init(
        self,
        tree: Tree,
        now: float,
        *,
        runtimecal: str | None,
        chargetime: str | None,
        idleload: str | None,
    ) -> None:
        """``qx_initbattery``: the voltages, the packs and the runtime model.

        Raises:
            EstimateError: ``runtimecal``, ``chargetime`` or ``idleload`` out of range.
        """
        if (
            tree.getinfo("battery.charge") is not None
            and tree.getinfo("battery.runtime") is not None
        ):
            return
        for attr, name in (
            ("volt_high", "battery.voltage.high"),
            ("volt_low", "battery.voltage.low"),
            ("volt_nom", "battery.voltage.nominal"),
        ):
            val = tree.getinfo(name)
            if val is not None:
                setattr(self, attr, strtod(val))
        if self.volt_nom != -1 and (self.volt_low == -1 or self.volt_high == -1):
            self.log("No values for battery high/low voltages")
            self.volt_low = 104 * self.volt_nom / 120
            self.volt_high = 130 * self.volt_nom / 120
            _set(tree, "battery.voltage.low", "%.2f", self.volt_low)
            _set(tree, "battery.voltage.high", "%.2f", self.volt_high)
            self.log(f"Using 'guesstimation' (low: {self.volt_low:f}, high: {self.volt_high:f})!")
        packs = tree.getinfo("battery.packs")
        if packs is not None and all(ch in NUMERIC for ch in packs):
            self.packs = strtod(packs)
        elif self.battery(tree) and self.volt_nom != -1:
            for n in PACKS:
                if n * self.volt_act > 1.2 * self.volt_nom:
                    continue
                if n * self.volt_act < 0.8 * self.volt_nom:
                    self.log(self._no_packs())
                    break
                self.packs = n
                break
        else:
            self.log(self._no_packs())
        self.battery(tree)

        if runtimecal is None:
            self.log("Battery runtime will not be calculated (runtimecal not set)")
            return
        self.runtimecal = True
        self.lastpoll = now
        parts = runtimecal.split(",")
        try:
            rh, lh, rl, ll = (float(p.strip()) for p in parts[:4])
        except ValueError:
            raise EstimateError("Insufficient parameters for runtimecal") from None
        if len(parts) < 4:
            raise EstimateError("Insufficient parameters for runtimecal")
        if rl < rh or rh <= 0:
            raise EstimateError("Parameter out of range (runtime)")
        if lh > 100 or ll > lh or ll <= 0:
            raise EstimateError("Parameter out of range (load)")
        self.runt_exp = math.log(rl / rh) / math.log(lh / ll)
        self.runt_nom = rh * math.pow(lh / 100, self.runt_exp)

        charge = tree.getinfo("battery.charge")
        if charge is None and self.volt_nom != -1:
            self.volt_low = self.volt_nom
            self.volt_high = 1.15 * self.volt_nom
            if not self.battery(tree):
                raise EstimateError("Initial battery charge undetermined")
            charge = tree.getinfo("battery.charge")
        if charge is None:
            raise EstimateError("Initial battery charge undetermined")
        self.runt_est = self.runt_nom * strtod(charge) / 100

        if chargetime is not None:
            self.chrg_time = strtol(chargetime)
            if self.chrg_time <= 0:
                raise EstimateError("Charge time out of range [1..s]")
        else:
            self.log(f"No charge time specified, using built in default [{self.chrg_time} seconds]")
        if idleload is not None:
            self.load_low = strtod(idleload) / 100
            if self.load_low <= 0 or self.load_low > 1:
                raise EstimateError("Idle load out of range [0..100]")
        else:
            self.log(
                f"No idle load specified, using built in default [{100 * self.load_low:.1f} %]"
            )

    def _no_packs(self) -> str:
        return f"Can't autodetect number of battery packs [{self.volt_nom:.0f}/{self.volt_act:.2f}]"

    # -- after each full poll ---------------------------------------------------------

    def update(self, tree: Tree, now: float, *, online: bool) -> None:
        """The end of a full poll: charge (and runtime) if the UPS did not say."""
        if self.runt_act != -1 and self.chrg_act != -1:
            return
        if not self.runtimecal:
            self.battery(tree)
            return
        elapsed = now - self.lastpoll
        if online:
            self.runt_est = min(
                self.runt_nom, self.runt_est + self.runt_nom * elapsed / self.chrg_time
            )
        else:
            self.runt_est = max(0.0, self.runt_est - self.load_eff * elapsed)
        val = tree.getinfo("battery.voltage")
        if val is not None:
            self.volt_act = self.packs * strtod(val)
            if self.volt_act > 0 and self.volt_low > 0 and self.volt_high > self.volt_low:
                by_voltage = (self.volt_act - self.volt_low) / (self.volt_high - self.volt_low)
                by_voltage = min(1.0, max(0.0, by_voltage))
                if by_voltage < self.runt_est / self.runt_nom:
                    self.runt_est = by_voltage * self.runt_nom
        if self.chrg_act == -1:
            _set(tree, "battery.charge", "%.0f", 100 * self.runt_est / self.runt_nom)
        if self.runt_act == -1 and self.load(tree):
            _set(tree, "battery.runtime", "%.0f", self.runt_est / self.load_eff)
        self.lastpoll = now
