"""ups.status / ups.alarm from the status bits, as NUT's ups_status_set composes them."""

from __future__ import annotations

import pytest

from powerdown.drivers.usbhid.status import StatusBits, StatusOptions


def compose(*words: str, charge: str | None = None, full: bool = True, **opts: object):
    bits = StatusBits(StatusOptions(**opts))  # type: ignore[arg-type]
    for w in words:
        bits.process(w)
    return bits.compose(0.0, charge, full=full)


@pytest.mark.parametrize(
    ("words", "charge", "status"),
    [
        (("online", "!dischrg", "chrg"), "50", ("OL", "CHRG")),
        (("online", "chrg"), "100", ("OL",)),  # no (not)fullycharged bit: CHRG only below 100
        (("online", "chrg", "notfullycharged"), "100", ("OL", "CHRG")),
        (("online", "chrg", "fullycharged"), "50", ("OL",)),
        (("offline", "dischrg"), None, ("OB", "DISCHRG")),
        (("!online",), None, ("OB",)),  # NUT 2.8.0's word for offline
        (("dischrg",), None, ("OB", "DISCHRG")),  # no line state, discharging: OB
        ((), None, ()),  # nothing said at all
        (("offline", "dischrg", "lowbatt"), None, ("OB", "DISCHRG", "LB")),
        (("online", "timelimitexp"), None, ("OL", "LB")),
        (("online", "shutdownimm"), None, ("OL", "LB")),
        (("online", "replacebatt"), None, ("OL", "RB")),
        (("online", "nobattery"), None, ("OL", "RB")),
        (
            ("online", "overload", "trim", "boost", "bypassauto"),
            None,
            ("OL", "OVER", "TRIM", "BOOST", "BYPASS"),
        ),
        (("online", "off"), None, ("OL", "OFF")),
        (("online", "cal", "dischrg"), None, ("CAL", "OL", "DISCHRG")),
        (("offline", "dischrg", "depleted"), None, ("OB",)),
    ],
)
def test_StatusBits_compose_words_in_NUT_order(words, charge, status) -> None:
    assert compose(*words, charge=charge).status == status


def test_StatusBits_online_clears_offline_and_back() -> None:
    bits = StatusBits()
    bits.process("offline")
    bits.process("online")
    assert bits.compose(0, None, full=False).status == ("OL",)
    bits.process("offline")
    assert bits.compose(0, None, full=False).status == ("OB",)


def test_StatusBits_bits_persist_across_reports() -> None:
    bits = StatusBits()
    bits.process("online")
    bits.process("chrg")
    bits.process("!dischrg")  # another report, about something else
    assert bits.compose(0, "40", full=False).status == ("OL", "CHRG")


def test_StatusBits_unknown_word_is_refused() -> None:
    assert StatusBits().process("sparkles") is False


def test_StatusBits_alarms_on_full_polls_only_in_NUT_order() -> None:
    full = compose("online", "fanfail", "replacebatt", "bypassman")
    assert full.alarms == ("Replace battery!", "Fan failure!", "Manual bypass mode!")
    assert compose("online", "fanfail", full=False).alarms is None


def test_StatusBits_transfer_reason() -> None:
    assert compose("online", "vrange").transfer_reason == "input voltage out of range"
    assert compose("online", "frange").transfer_reason == "input frequency out of range"
    assert compose("online").transfer_reason is None


def test_onlinedischarge_options() -> None:
    assert compose("online", "dischrg", onlinedischarge_onbattery=True).status == ("OB", "DISCHRG")
    assert compose("online", "dischrg", onlinedischarge_calibration=True).status == (
        "CAL",
        "DISCHRG",
    )
    plain = compose("online", "dischrg", charge="80")
    assert plain.status == ("OL", "DISCHRG")
    assert len(plain.warnings) == 1
    assert "is in OL+DISCHRG state now. Battery charge is currently 80." in plain.warnings[0]


def test_onlinedischarge_warning_is_throttled_by_charge_and_hovercharge() -> None:
    bits = StatusBits()
    for w in ("online", "dischrg"):
        bits.process(w)
    assert bits.compose(0, "80", full=False).warnings  # first: logged
    assert not bits.compose(1, "80", full=False).warnings  # same charge: quiet
    again = bits.compose(2, "79", full=False).warnings
    assert again and "changed from 80 to 79" in again[0] and "(draining)" in again[0]
    assert not bits.compose(3, "100", full=False).warnings  # at hovercharge: quiet


def test_onlinedischarge_without_charge_logs_every_30s_after_the_first() -> None:
    bits = StatusBits()
    for w in ("online", "dischrg"):
        bits.process(w)
    # NUT: without battery.charge nothing triggers the first message; the
    # 30 s throttle only repeats one that was logged.
    assert not bits.compose(0, None, full=False).warnings
    assert bits.od_throttle_sec == 30


def test_lbrb_log_delay_holds_LB_while_calibrating_on_line() -> None:
    bits = StatusBits(StatusOptions(lbrb_log_delay_sec=5))
    for w in ("online", "cal", "lowbatt", "replacebatt"):
        bits.process(w)
    assert "LB" not in bits.compose(100, None, full=False).status
    assert "LB" not in bits.compose(104, None, full=False).status
    later = bits.compose(106, None, full=False).status
    assert "LB" in later


def test_lbrb_log_delay_does_not_hold_on_battery() -> None:
    bits = StatusBits(StatusOptions(lbrb_log_delay_sec=5))
    for w in ("offline", "cal", "lowbatt"):
        bits.process(w)
    assert "LB" in bits.compose(100, None, full=False).status
