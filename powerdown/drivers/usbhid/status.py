"""From the device's status bits to ``ups.status``, ``ups.alarm`` and a few more.

Strategy
--------
NUT's ``usbhid-ups.c``: ``process_boolean_info`` collects, ``ups_status_set``
and ``ups_alarm_set`` interpret.  Each ``BOOL`` row of a mapping yields an
internal word ("online", "!dischrg", "offline" ...); the word sets or clears
one bit, and bits persist across reports (one report may say "on line",
another "discharging", and neither must undo the other).  Once per poll the
bits become NUT's status words in NUT's order:

- ``CAL`` first (a calibration looks like OB or OFF, so say so first);
- ``OB`` when the device says offline, or it says nothing about the line
  but is discharging; ``OL`` when online (with ``DISCHRG`` as well the
  ``onlinedischarge_*`` options decide: OB, CAL, or OL plus a throttled
  warning in the log);
- ``DISCHRG`` (not when depleted), ``CHRG`` (only while not fully charged,
  or, when the device never says, while ``battery.charge`` is 1..99);
- ``LB`` from low battery, time limit expired or shutdown imminent, and
  ``RB`` from replace battery or no battery; both can be held back for
  ``lbrb_log_delay_sec`` while calibrating on line (APC BXnnnnMI);
- ``OVER``, ``TRIM``, ``BOOST``, ``BYPASS``, ``OFF``.

Alarms (full polls only, as NUT) come from the fault bits, in NUT's order
and with its texts.  ``input.transfer.reason`` follows the range bits.

Pure: the caller passes ``now`` (seconds) and ``battery.charge``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["StatusOptions", "Composed", "StatusBits", "ALARMS"]

#: NUT 2.8.0 wrote ``!online`` for "not on line"; later NUT says ``offline``.
_ALIASES = {"!online": "offline"}

#: ``ups_alarm_set``: bit -> text, in NUT's order.
ALARMS = (
    ("replacebatt", "Replace battery!"),
    ("shutdownimm", "Shutdown imminent!"),
    ("fanfail", "Fan failure!"),
    ("nobattery", "No battery installed!"),
    ("battvoltlo", "Battery voltage too low!"),
    ("battvolthi", "Battery voltage too high!"),
    ("chargerfail", "Battery charger fail!"),
    ("overheat", "Temperature too high!"),
    ("commfault", "Internal UPS fault!"),
    ("awaitingpower", "Awaiting power!"),
    ("bypassauto", "Automatic bypass mode!"),
    ("bypassman", "Manual bypass mode!"),
)

_KNOWN = frozenset(
    (
        "online offline dischrg chrg lowbatt overload replacebatt shutdownimm trim boost "
        "bypassauto bypassman ecomode essmode off cal overheat commfault depleted "
        "timelimitexp fullycharged notfullycharged awaitingpower fanfail nobattery "
        "battvoltlo battvolthi chargerfail vrange frange"
    ).split()
)


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusOptions:
    """The driver options that change how the bits read (usbhid-ups(8))."""

    onlinedischarge_onbattery: bool = False
    onlinedischarge_calibration: bool = False
    #: -2: not set (30 s when the device has no battery.charge); <0 never repeat
    onlinedischarge_log_throttle_sec: int = -2
    onlinedischarge_log_throttle_hovercharge: int = 100
    lbrb_log_delay_sec: int = 0
    lbrb_log_delay_without_calibrating: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Composed:
    """One poll's result: status words, alarms (None on quick polls) and log lines."""

    status: tuple[str, ...]
    alarms: tuple[str, ...] | None
    transfer_reason: str | None
    #: ``ups.mode.buzzwords``-style markers of later NUT (ECO/ESS), for the curious
    buzzmodes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    debug: tuple[str, ...] = ()


@dataclass(slots=True)
class StatusBits:
    """The bits collected so far, and what interpreting them needs to remember."""

    options: StatusOptions = field(default_factory=StatusOptions)
    bits: set[str] = field(default_factory=set)
    cal_active: bool = False
    last_calibration_start: float = 0.0
    last_calibration_finish: float = 0.0
    od_log_timestamp: float = 0.0
    od_log_charge: int = -1
    od_throttle_sec: int = -2
    last_lb_start: float = 0.0
    last_rb_start: float = 0.0

    def __post_init__(self) -> None:
        self.od_throttle_sec = self.options.onlinedischarge_log_throttle_sec

    def process(self, word: str) -> bool:
        """``process_boolean_info``: apply one word; False if the word is unknown."""
        word = _ALIASES.get(word, word)
        if word == "online":
            self.bits.discard("offline")
        elif word == "offline":
            self.bits.discard("online")
        if word == "fullycharged":
            self.bits.discard("notfullycharged")
        elif word == "notfullycharged":
            self.bits.discard("fullycharged")
        clear = word.startswith("!")
        name = word[1:].lower() if clear else word.lower()
        if name not in _KNOWN:
            return False
        if clear:
            self.bits.discard(name)
        else:
            self.bits.add(name)
        return True

    def alarms(self) -> tuple[str, ...]:
        """``ups_alarm_set``: the alarm texts the bits call for."""
        return tuple(text for bit, text in ALARMS if bit in self.bits)

    def compose(self, now: float, charge: str | None, *, full: bool, upsname: str = "") -> Composed:
        """``ups_status_set`` (and on full polls ``ups_alarm_set``) at time ``now``."""
        b = self.bits
        o = self.options
        words: list[str] = []
        warnings: list[str] = []
        debug: list[str] = []

        def put(word: str) -> None:
            if word not in words:
                words.append(word)

        if "vrange" in b:
            reason: str | None = "input voltage out of range"
        elif "frange" in b:
            reason = "input frequency out of range"
        else:
            reason = None

        if "cal" in b:
            self._cal(now, put)

        if "dischrg" not in b and (self.od_log_timestamp != 0 or self.od_log_charge != -1):
            debug.append(
                f"ups_status_set: seems that UPS [{upsname}] was in OL+DISCHRG state "
                "previously, but no is longer discharging now."
            )
            self.od_log_timestamp = 0.0
            self.od_log_charge = -1

        if "offline" in b:
            put("OB")
        if "online" not in b:
            if "offline" not in b:
                if "dischrg" in b:
                    put("OB")
        elif "dischrg" in b:
            do_log = False
            if o.onlinedischarge_calibration:
                self._cal(now, put)
            if o.onlinedischarge_onbattery:
                put("OB")
            if not o.onlinedischarge_onbattery and not o.onlinedischarge_calibration:
                do_log = "cal" not in b
                put("OL")
            if do_log:
                warning = self._throttled_od_warning(now, charge, upsname)
                if warning is not None:
                    warnings.append(warning)
        else:
            put("OL")

        calibrating = "CAL" in words

        if "dischrg" in b and "depleted" not in b:
            put("DISCHRG")
        if "chrg" in b:
            if "notfullycharged" in b:
                put("CHRG")
            elif "fullycharged" not in b:
                level = _atoi(charge)
                if 0 < level < 100:
                    put("CHRG")

        online = "online" in b
        delay = o.lbrb_log_delay_sec
        if b & {"lowbatt", "timelimitexp", "shutdownimm"}:
            if (
                delay < 1
                or (not calibrating and not o.lbrb_log_delay_without_calibrating)
                or not online
            ):
                put("LB")
            elif not self.last_lb_start:
                self.last_lb_start = now
            elif now - self.last_lb_start > delay:
                put("LB")
        else:
            self.last_lb_start = 0.0

        if "overload" in b:
            put("OVER")

        if b & {"replacebatt", "nobattery"}:
            if (
                delay < 1
                or (not calibrating and not o.lbrb_log_delay_without_calibrating)
                or not self.last_lb_start
                or not online
            ):
                put("RB")
            elif not self.last_rb_start:
                self.last_rb_start = now
            elif now - self.last_rb_start > delay:
                put("RB")
        else:
            self.last_rb_start = 0.0

        if "trim" in b:
            put("TRIM")
        if "boost" in b:
            put("BOOST")
        if b & {"bypassauto", "bypassman"}:
            put("BYPASS")
        buzz = []
        if "ecomode" in b:
            buzz.append("vendor:default:ECO")
        if "essmode" in b:
            buzz.append("vendor:default:ESS")
        if "off" in b:
            put("OFF")

        if not calibrating:
            if self.last_calibration_start:
                self.last_calibration_finish = now
            self.last_calibration_start = 0.0
        self.cal_active = calibrating

        return Composed(
            status=tuple(words),
            alarms=self.alarms() if full else None,
            transfer_reason=reason,
            buzzmodes=tuple(buzz),
            warnings=tuple(warnings),
            debug=tuple(debug),
        )

    def _cal(self, now: float, put: Callable[[str], None]) -> None:
        if not self.last_calibration_start:
            self.last_calibration_start = now
        put("CAL")

    def _throttled_od_warning(self, now: float, charge: str | None, upsname: str) -> str | None:
        o = self.options
        do_log = False
        current = 0
        if charge is not None:
            current = _atoi(charge)
            if (
                current > 0
                and current != self.od_log_charge
                and current < o.onlinedischarge_log_throttle_hovercharge
            ):
                do_log = True
        elif self.od_throttle_sec == -2:
            self.od_throttle_sec = 30
        if self.od_log_timestamp > 0 and self.od_throttle_sec >= 0:
            if now - self.od_log_timestamp >= self.od_throttle_sec:
                do_log = True
        if not do_log:
            return None
        self.od_log_timestamp = now
        msg_charge = ""
        if current > 0 and current != self.od_log_charge:
            if self.od_log_charge < 0:
                msg_charge = f"Battery charge is currently {current}. "
            else:
                trend = "charging" if current > self.od_log_charge else "draining"
                msg_charge = (
                    f"Battery charge changed from {self.od_log_charge} to {current} "
                    f"since last such report ({trend}). "
                )
            self.od_log_charge = current
        return (
            f"ups_status_set: seems that UPS [{upsname}] is in OL+DISCHRG state now. "
            f"{msg_charge}"
            "Is it calibrating (perhaps you want to set 'onlinedischarge_calibration' option)? "
            "Note that some UPS models (e.g. CyberPower UT series) emit OL+DISCHRG when "
            "in fact offline/on-battery (perhaps you want to set "
            "'onlinedischarge_onbattery' option)."
        )


def _atoi(text: str | None) -> int:
    """C's ``atoi``: leading digits (after blanks and a sign), 0 when none."""
    if text is None:
        return 0
    s = text.lstrip()
    sign = 1
    if s and s[0] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    digits = ""
    for ch in s:
        if not ch.isdigit():
            break
        digits += ch
    return sign * int(digits) if digits else 0
