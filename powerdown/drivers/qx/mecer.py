"""Mecer and other Megatec UPSes that answer orders (``protocol = mecer``).

Strategy
--------
NUT's ``nutdrv_qx_mecer.c`` ("Mecer 0.07"): the Megatec ``Q1``/``F``/``I``
table, for UPSes that acknowledge every order with ``(ACK`` and refuse
with ``(NAK``, where a plain Megatec UPS says nothing or echoes the order
back.  The claim reads ``Q1`` and then ``QPI``: Voltronic Power units
answer ``(PI98`` (published as ``ups.firmware.aux: Voltronic Power P98``),
others refuse with ``(NAK``, which is claim enough (the query is then
skipped); any other answer or silence is not a Mecer.

``test.battery.start`` takes seconds: ``T.2``..``T.9`` (tenths of a
minute) below a minute on P98 units, ``T01``..``T99`` minutes otherwise.

Pure: tables and small functions.
"""

from __future__ import annotations

from dataclasses import replace

from powerdown.drivers.qx import blazer
from powerdown.drivers.qx.items import Item, Lookup, QxFlag, strtol

__all__ = ["VERSION", "P98", "items"]

VERSION = "Mecer 0.07"

#: ``ups.firmware.aux`` of a Voltronic Power unit on protocol 98
P98 = "Voltronic Power P98"


def p98_protocol(item: Item, raw: str, get: Lookup) -> str | None:
    if raw.lower() != "pi98":
        return None
    return P98


def battery_test_command(item: Item, value: str, get: Lookup) -> str | None:
    """``T<n>`` from seconds: 12..5940 on P98 units, 60..5940 on others."""
    low = 12 if (get("ups.firmware.aux") or "").lower() == P98.lower() else 60
    if any(ch not in "0123456789" for ch in value):
        return None
    seconds = strtol(value) if value else 600
    if not low <= seconds <= 5940:
        return None
    if seconds < 60:
        return f"T.{seconds // 6}\r"
    return f"T{seconds // 60:02d}\r"


def items() -> tuple[Item, ...]:
    """NUT's ``mecer_qx2nut`` table."""
    protocol = Item(
        name="ups.firmware.aux",
        command="QPI\r",
        answer_len=6,
        leading="(",
        start=1,
        end=4,
        fmt="%s",
        flags=QxFlag.STATIC,
        process=p98_protocol,
    )
    # every order is answered "(ACK" or "(NAK": the reply is read as such
    test = "test.battery.start"
    commands = tuple(
        replace(
            cmd,
            answer_len=5,
            leading="(",
            start=1,
            end=3,
            command="T%s\r" if cmd.name == test else cmd.command,
            build=battery_test_command if cmd.name == test else cmd.build,
        )
        for cmd in blazer.command_items()
    )
    return (
        (protocol,)
        + blazer.status_items("Q1\r")
        + blazer.rating_items()
        + blazer.vendor_items("I\r")
        + commands
        + blazer.delay_items()
    )
