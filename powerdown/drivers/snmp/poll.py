"""From a mapping table and SNMP answers to NUT variables, as NUT's snmp-ups does.

Strategy
--------
NUT's ``drivers/snmp-ups.c`` walks its table row by row (``snmp_ups_walk``)
and GETs each OID on its own.  We keep its order and its rules, but not its
I/O: ``Walker.walk`` is a generator that yields the OIDs it needs and is
sent back their values (``Value``, or None when the agent has no such
object), so the shell can fetch them in batches, and the whole walk can be
unit-tested with a dict.  What the walk decides goes into a ``Dstate``.

The rules kept from NUT (``docs/snmp-subdrivers.txt`` and the C code):

* a row that does not answer during the first walk is dropped for good
  (its ``SU_FLAG_OK`` is cleared); later, it is marked stale and its last
  value kept;
* ``SU_FLAG_STATIC`` rows are read once; ``SU_FLAG_ABSENT`` rows publish
  their default once; ``SU_FLAG_SEMI_STATIC`` ones every ``semistaticfreq``
  walks;
* ``SU_FLAG_UNIQUE``: the first row of a name that answers wins, the other
  rows of that name are dropped; ``NEGINVALID``/``ZEROINVALID`` values drop
  the row;
* numbers are ``value * length``, written ``%i`` when whole and ``%.2f``
  (of a C float) otherwise; TimeTicks count in seconds; an OID value is
  replaced by the value it points to, or else its last arc;
* strings keep 127 bytes; one with a byte that is neither printable nor
  space is shown as hex bytes (``"D0 A1 "``), as net-snmp prints it;
* ``ups.status`` rows add the words of their lookup to the status,
  ``*.alarm`` rows add to ``ups.alarm``;
* ``SU_INPUT_1``/``SU_INPUT_3`` (and output, bypass) rows are kept or
  dropped by ``{input,output,input.bypass}.phases``;
* outlet, outlet-group and ambient templates (``%i``) are expanded over
  ``outlet.count`` / ``outlet.group.count`` / ``ambient.count`` (guessed by
  probing when the table has no such row); NUT's outlet number is the SNMP
  index, so a MIB indexed from 0 gives ``outlet.0``; the base (0 or 1) is
  probed once per kind;
* daisy chains (NUT 2.8.0's ``daisychain_init``): a table with a
  ``device.count`` row is "daisy-chain enabled" even for one unit; its
  other ``%i`` OIDs carry the unit's index (device 1 plus an offset found
  by probing ``device.model`` at 0 and 1), and two-``%i`` templates put it
  first (``SU_TYPE_DAISY_1``) or second (``SU_TYPE_DAISY_2``).  Only a
  single unit is walked; chains of several units are not supported.

Settings and commands go the other way: ``plan_set`` turns a NUT name and
value into an SNMP SET (``SetPlan``), or a refusal.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from enum import Enum

from powerdown.drivers.dstate import Dstate
from powerdown.drivers.snmp.mib import INFOSIZE, Mib2Nut, SnmpInfo, Su
from powerdown.protocol.sock import TrackingStatus as Status
from powerdown.state.tree import Flag

__all__ = [
    "Kind",
    "Value",
    "Walker",
    "Walk",
    "SetPlan",
    "plan_set",
    "format_number",
    "decode_string",
    "strtol",
    "IEM_TEMP_OID",
    "IEM_TEMP_UNIT_OID",
]

#: APC's Integrated Environmental Monitor: its temperature may be in Fahrenheit.
IEM_TEMP_OID = ".1.3.6.1.4.1.318.1.1.10.2.3.2.1.4.1"
IEM_TEMP_UNIT_OID = ".1.3.6.1.4.1.318.1.1.10.2.3.2.1.5.1"
IEM_FAHRENHEIT = 2

#: How many indices a count-less template is probed with at a time.
PROBE_BATCH = 8
#: No device has more outlets than this (a bound on probing).
MAX_TEMPLATE_COUNT = 256


class Kind(Enum):
    """The SNMP types NUT's decoders tell apart."""

    INTEGER = "integer"  # INTEGER, Counter32/64, Gauge32/Unsigned32
    STRING = "string"  # OCTET STRING, Opaque
    TICKS = "ticks"  # TimeTicks (hundredths of a second)
    OID = "oid"  # OBJECT IDENTIFIER
    OTHER = "other"  # IpAddress, NULL ...: NUT cannot use them


@dataclass(frozen=True, slots=True, kw_only=True)
class Value:
    """One value as the agent sent it."""

    kind: Kind
    number: int = 0
    data: bytes = b""
    oid: str = ""

    @classmethod
    def integer(cls, number: int) -> Value:
        return cls(kind=Kind.INTEGER, number=number)

    @classmethod
    def string(cls, data: bytes | str) -> Value:
        raw = data.encode("latin-1") if isinstance(data, str) else data
        return cls(kind=Kind.STRING, data=raw)

    @classmethod
    def ticks(cls, number: int) -> Value:
        return cls(kind=Kind.TICKS, number=number)

    @classmethod
    def object_id(cls, oid: str) -> Value:
        return cls(kind=Kind.OID, oid=oid)


Answers = dict[str, Value | None]
#: A walk step: yields OIDs to GET, is sent their values, returns its success.
Walk = Generator[list[str], Answers, bool]


def norm(oid: str) -> str:
    """OIDs compare without the leading dot (NUT's tables mix both)."""
    return oid.lstrip(".")


# -- NUT's decoders -------------------------------------------------------------

_STRTOL = re.compile(r"\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")


def strtol(text: str) -> int:
    """C's ``strtol(text, NULL, 0)``: a leading number in any base, else 0."""
    m = _STRTOL.match(text)
    if m is None:
        return 0
    sign, digits = m.groups()
    if digits[:2] in ("0x", "0X"):
        number = int(digits[2:], 16)
    elif digits.startswith("0"):
        number = int(digits, 8)
    else:
        number = int(digits)
    return -number if sign == "-" else number


def _printable(byte: int) -> bool:
    return 0x20 <= byte <= 0x7E or byte in b"\t\n\v\f\r"


def decode_string(data: bytes) -> str:
    """An OCTET STRING as NUT shows it: text up to 127 bytes, or hex bytes (16 a line)."""
    if all(_printable(b) for b in data):
        return data[: INFOSIZE - 1].decode("ascii")
    lines = ["".join(f"{b:02X} " for b in data[i : i + 16]) for i in range(0, len(data), 16)]
    return "\n".join(lines)[: INFOSIZE - 1]


def _float32(x: float) -> float:
    result: float = struct.unpack("f", struct.pack("f", x))[0]
    return result


def format_number(value: int, multiplier: float) -> str:
    """``value * multiplier``: ``%i`` when whole (to a C float's precision), else ``%.2f``."""
    dvalue = value * multiplier
    whole = int(dvalue)  # C's (int) truncates toward zero
    if abs(_float32(whole) - _float32(dvalue)) <= 1.1920928955078125e-07:
        return str(whole)
    return f"{_float32(dvalue):.2f}"


def fill(template: str, *numbers: int) -> str:
    """``snprintf(template, numbers...)`` for OID templates: each ``%i`` takes the next."""
    parts = template.split("%i")
    out = [parts[0]]
    for k, rest in enumerate(parts[1:]):
        out.append(str(numbers[k]) if k < len(numbers) else "%i")
        out.append(rest)
    return "".join(out)


def _last_arc(oid: str) -> str:
    return oid.rsplit(".", 1)[-1]


# -- the walk -------------------------------------------------------------------


class Walker:
    """One device's table with NUT's per-row state (flags, phases, template bases)."""

    def __init__(
        self,
        mib: Mib2Nut,
        *,
        notransferoids: bool = False,
        semistaticfreq: int = 10,
    ) -> None:
        self.mib = mib
        self.rows: tuple[SnmpInfo, ...] = mib.table
        # upsdrv_initinfo: every row starts as OK.
        self.flags: list[Su] = [row.su | Su.FLAG_OK for row in self.rows]
        if notransferoids:
            for i, row in enumerate(self.rows):
                if row.name.lower() in ("input.transfer.low", "input.transfer.high"):
                    self.flags[i] &= ~Su.FLAG_OK
        self.phases: dict[str, int] = {}
        self.template_base: dict[str, int] = {}
        # daisychain_init's results (NUT's globals and their defaults)
        self.daisy = False
        self.devices_count = 1
        self.device_number = 1
        self.device_offset = -1
        self.semistaticfreq = max(1, semistaticfreq)
        self.semistatic_countdown = self.semistaticfreq
        self._got: Answers = {}

    # -- fetching inside a walk ------------------------------------------------

    def _need(self, oids: Iterable[str]) -> Generator[list[str], Answers, None]:
        missing = [o for o in dict.fromkeys(norm(o) for o in oids) if o not in self._got]
        if missing:
            answers = yield missing
            for oid in missing:
                self._got[oid] = answers.get(oid)

    def _get(self, oid: str) -> Generator[list[str], Answers, Value | None]:
        yield from self._need([oid])
        return self._got[norm(oid)]

    def _get_int(self, oid: str) -> Generator[list[str], Answers, int | None]:
        """``nut_snmp_get_int``."""
        value = yield from self._get(oid)
        if value is None:
            return None
        if value.kind is Kind.STRING:
            return strtol(value.data.decode("latin-1"))
        if value.kind is Kind.INTEGER:
            return value.number
        if value.kind is Kind.TICKS:
            return int(value.number / 100)
        if value.kind is Kind.OID:
            pointed = yield from self._get_int(value.oid)
            return pointed if pointed is not None else strtol(_last_arc(value.oid))
        return None

    def _get_str(self, row: SnmpInfo, oid: str) -> Generator[list[str], Answers, str | None]:
        """``nut_snmp_get_str``: text, or a lookup of a number (None: not published)."""
        value = yield from self._get(oid)
        if value is None:
            return None
        if value.kind is Kind.STRING:
            return decode_string(value.data)
        if value.kind is Kind.INTEGER:
            if row.lookup is not None:
                return row.lookup.to_nut(value.number)
            return str(value.number)
        if value.kind is Kind.TICKS:
            return str(int(value.number / 100))
        if value.kind is Kind.OID:
            pointed = yield from self._get_str(row, value.oid)
            return pointed if pointed is not None else _last_arc(value.oid)
        return None

    # -- public ------------------------------------------------------------------

    @property
    def daisy_index(self) -> int:
        """The SNMP index of the walked unit in ``%i`` OIDs."""
        return self.device_number + self.device_offset

    def daisy_init(self, dstate: Dstate) -> Walk:
        """``daisychain_init``: count the units, publish ``device.count``, find the offset."""
        self._got = {}
        row = self.mib.find("device.count")
        if row is not None:
            self.daisy = True
            count: int | None
            if row.oid is not None and "%i" not in row.oid:
                count = -1
                if row.lookup is not None and row.lookup.to_number is not None:
                    value = yield from self._get(row.oid)
                    if value is not None and value.kind is Kind.STRING:
                        count = row.lookup.to_number(decode_string(value.data))
                if count == -1:
                    count = yield from self._get_int(row.oid)
                    if count is None:
                        count = 1
            else:
                count = yield from self._guess_count(row)
            if count < 1:
                self.devices_count = 1
                self.daisy = False
            else:
                self.devices_count = count
                dstate.setinfo("device.count", str(count))
                mfr = self.mib.find("ups.mfr")
                if self.mib.find("device.mfr") is not None and mfr is not None:
                    self._setinfo(dstate, mfr, mfr.name, None)
                kind = self.mib.find("device.type")
                if kind is not None and kind.default is not None:
                    dstate.setinfo("device.model", f"daisychain {kind.default} (1+{count - 1})")
                    dstate.setinfo("device.type", kind.default)
                else:
                    dstate.setinfo("device.model", f"daisychain (1+{count - 1})")
        model = self.mib.find("device.model")
        if model is not None and model.oid is not None:
            base = yield from self._base("device", model)
            self.device_offset = base - 1
        if self.devices_count > 1:
            raise NotImplementedError("daisy chains of several units")
        return self.daisy

    def _oid(self, row: SnmpInfo) -> str | None:
        """A plain row's OID; a ``%i`` in it is the daisy unit's index (``su_ups_get``)."""
        if row.oid is None or "%" not in row.oid:
            return row.oid
        return fill(row.oid, self.daisy_index)

    def _instance_oid(self, row: SnmpInfo, number: int) -> str:
        """A template's OID for one outlet (group, sensor), as ``process_template``."""
        assert row.oid is not None
        if self.daisy:
            if row.su & Su.TYPE_DAISY_1:
                return fill(row.oid, self.daisy_index, number)
            if row.su & Su.TYPE_DAISY_2:
                return fill(
                    row.oid, number + self.device_offset, self.device_number - self.device_offset
                )
        return fill(row.oid, number)

    def prefetch(self, init: bool) -> list[str]:
        """The OIDs a walk will surely read: one batch up front."""
        oids = []
        for i, row in enumerate(self.rows):
            flags = self.flags[i]
            if row.oid is None or row.is_template or row.is_command:
                continue
            if not init and (not flags & Su.FLAG_OK or flags & Su.FLAG_STATIC):
                continue
            oid = self._oid(row)
            assert oid is not None
            if "%" not in oid:
                oids.append(norm(oid))
        return list(dict.fromkeys(oids))

    def probe_commands(self, dstate: Dstate) -> Walk:
        """``su_addcmd``: list the (non-outlet) commands whose OID the agent has."""
        self._got = {}
        rows = [r for r in self.rows if r.is_command and not r.is_template and r.oid]
        yield from self._need(r.oid for r in rows if r.oid)
        for row in rows:
            assert row.oid is not None
            if self._got[norm(row.oid)] is not None:
                dstate.addcmd(row.name)
        return True

    def walk(self, dstate: Dstate, *, init: bool) -> Walk:
        """``snmp_ups_walk``: read the table into ``dstate``; returns the last row's success."""
        self._got = {}
        yield from self._need(self.prefetch(init))
        if not init:
            self.semistatic_countdown -= 1
            if self.semistatic_countdown < 0:
                self.semistatic_countdown = self.semistaticfreq
        status = False
        for i, row in enumerate(self.rows):
            flags = self.flags[i]
            if init and row.name.startswith("device.count"):
                self.flags[i] &= ~Su.FLAG_OK
                continue
            if row.is_command and not row.is_template:
                continue
            if not init and not flags & Su.FLAG_OK:
                continue
            if not init and flags & Su.FLAG_SEMI_STATIC and self.semistatic_countdown != 0:
                continue
            if not init and flags & Su.FLAG_STATIC:
                continue
            if flags & Su.FLAG_ABSENT and not row.is_template:
                if init:
                    if row.default is not None:
                        self._setinfo(dstate, row, row.name, None)
                    self.flags[i] |= Su.FLAG_STATIC
                continue
            skip = False
            for mask, kind in (
                (Su.INPHASES, "input"),
                (Su.OUTPHASES, "output"),
                (Su.BYPPHASES, "input.bypass"),
            ):
                if self.flags[i] & mask:
                    skip = yield from self._phase(dstate, kind, i)
                    if skip:
                        break
            if skip:
                continue
            if row.su & Su.OUTLET_GROUP:
                if row.is_command and not init:
                    continue
                status = yield from self._template(dstate, "outlet.group", i, init)
            elif row.su & Su.OUTLET:
                if row.is_command and not init:
                    continue
                status = yield from self._template(dstate, "outlet", i, init)
            elif row.su & Su.AMBIENT_TEMPLATE:
                if row.is_command and not init:
                    continue
                status = yield from self._template(dstate, "ambient", i, init)
            else:
                if row.oid is None and row.default is None:
                    continue
                status = yield from self._process(
                    dstate, i, row.name, self._oid(row), row.default, init
                )
        return status

    # -- NUT's helpers -------------------------------------------------------------

    def _phase(self, dstate: Dstate, kind: str, i: int) -> Generator[list[str], Answers, bool]:
        """``process_phase_data``: True when the row does not fit the phase count."""
        # NUT tests the prefix "input" before "input.bypass", so bypass rows
        # are judged by the input flags (which they never carry): they are
        # always read.  The bypass count is still looked up and published.
        if kind.startswith("input"):
            mask, one, three = Su.INPHASES, Su.INPUT_1, Su.INPUT_3
        else:
            mask, one, three = Su.OUTPHASES, Su.OUTPUT_1, Su.OUTPUT_3
        var = f"{kind}.phases"
        if kind not in self.phases:
            known = dstate.getinfo(var)
            if known is not None:
                self.phases[kind] = strtol(known)
            else:
                row = self.mib.find(var)
                count = None
                if row is not None and row.oid is not None:
                    count = yield from self._get_int(row.oid)
                self.phases[kind] = count if count is not None else 1
            dstate.setinfo(var, str(self.phases[kind]))
        count = self.phases[kind]
        flags = self.flags[i]
        if flags & one:
            if count == 1:
                self.flags[i] &= ~mask
                return False
            self.flags[i] &= ~Su.FLAG_OK
            return True
        if flags & three:
            if count == 3:
                self.flags[i] &= ~mask
                return False
            self.flags[i] &= ~Su.FLAG_OK
            return True
        return False

    def _exists(self, row: SnmpInfo, oid: str) -> Generator[list[str], Answers, bool]:
        """An index answers (ZEROINVALID / NAINVALID rows need a usable value)."""
        value = yield from self._get(oid)
        if value is None:
            return False
        if row.su & Su.FLAG_ZEROINVALID:
            number = yield from self._get_int(oid)
            return number is not None and number != 0
        if row.su & Su.FLAG_NAINVALID:
            text = yield from self._get_str(row, oid)
            return text is not None and not text.startswith("N/A")
        return True

    def _guess_count(self, row: SnmpInfo) -> Generator[list[str], Answers, int]:
        """``guestimate_template_count``: how many indices answer in a row."""
        assert row.oid is not None
        first = yield from self._get(fill(row.oid, 0))
        base = 0
        if first is None:
            base = 1
        elif row.su & Su.FLAG_ZEROINVALID:
            number = yield from self._get_int(fill(row.oid, 0))
            if number == 0:
                base = 1
        count = 0
        while count < MAX_TEMPLATE_COUNT:
            batch = [fill(row.oid, base + count + k) for k in range(PROBE_BATCH)]
            yield from self._need(batch)
            for oid in batch:
                if self._got[norm(oid)] is None:
                    return count
                count += 1
        return count

    def _base(self, kind: str, row: SnmpInfo) -> Generator[list[str], Answers, int]:
        """``base_snmp_template_index``: does this MIB count outlets from 0 or 1?"""
        if kind in self.template_base:
            return self.template_base[kind]
        assert row.oid is not None
        base = 0
        for base in (0, 1):
            if row.oid.count("%i") > 1:
                if row.su & Su.TYPE_DAISY_1:
                    oid = fill(row.oid, self.daisy_index, base)
                else:
                    oid = fill(row.oid, base, self.daisy_index)
            else:
                oid = fill(row.oid, base)
            if (yield from self._exists(row, oid)):
                break
        else:
            base = 2
        self.template_base[kind] = base
        return base

    def _template(
        self, dstate: Dstate, kind: str, i: int, init: bool
    ) -> Generator[list[str], Answers, bool]:
        """``process_template``: one row for every outlet (or group)."""
        row = self.rows[i]
        status = True
        count_var = f"{kind}.count"
        known = dstate.getinfo(count_var)
        if known is None:
            if row.oid is None:
                return status
            count = yield from self._guess_count(row)
            if count > 0:
                dstate.setinfo(count_var, str(count))
        else:
            count = strtol(known)
        if count <= 0:
            return status
        base = 0
        if row.oid is not None:
            base = yield from self._base(kind, row)
            if not row.is_command:
                # one batch for the whole row, not one request per instance
                yield from self._need(self._instance_oid(row, n) for n in range(base, base + count))
        for number in range(base, base + count):
            name = row.name.replace("%i", str(number), 1)
            default = row.default
            if default is not None and "%i" in default:
                default = default.replace("%i", str(number), 1)
            if row.oid is None:
                self._setinfo(dstate, row, name, default)
                continue
            oid = self._instance_oid(row, number)
            if row.is_command:
                if init:
                    dstate.addcmd(name)
                continue
            # NUT shares one instance's flags over the whole loop, and the
            # template keeps the last: one failure at init drops them all.
            status = yield from self._process(dstate, i, name, oid, default, init)
        return status

    def _process(
        self,
        dstate: Dstate,
        i: int,
        name: str,
        oid: str | None,
        default: str | None,
        init: bool,
    ) -> Generator[list[str], Answers, bool]:
        """``get_and_process_data``."""
        ok = yield from self._ups_get(dstate, i, name, oid, default)
        if ok:
            self.flags[i] &= ~Su.FLAG_STALE
            if self.flags[i] & Su.FLAG_UNIQUE:
                # NUT looks the competitors up by the instance's name
                # ("outlet.1.switchable"), which no template row has: for
                # templates, nothing is disabled and the last row read wins.
                if not self.rows[i].is_template:
                    self._disable_competition(i)
                self.flags[i] &= ~Su.FLAG_UNIQUE
        elif init:
            self.flags[i] &= ~Su.FLAG_OK
        else:
            self.flags[i] |= Su.FLAG_STALE
        return ok

    def _disable_competition(self, i: int) -> None:
        name = self.rows[i].name
        for j, other in enumerate(self.rows):
            if j != i and other.name == name:
                self.flags[j] &= ~Su.FLAG_OK

    def _ups_get(
        self, dstate: Dstate, i: int, name: str, oid: str | None, default: str | None
    ) -> Generator[list[str], Answers, bool]:
        """``su_ups_get``: read one row and publish it."""
        row = self.rows[i]
        if name.lower() == "ups.status":
            assert oid is not None
            number = yield from self._get_int(oid)
            if number is None:
                return False
            word = row.lookup.to_nut(number) if row.lookup is not None else None
            if word:
                dstate.status_set(word)
            return True
        if name.endswith(".alarm"):
            assert oid is not None
            number = yield from self._get_int(oid)
            if number is None:
                return False
            alarm = row.lookup.to_nut(number) if row.lookup is not None else None
            if alarm:
                dstate.alarm_set(self._alarm_text(row, name, alarm))
            return True
        if name.lower() == "ambient.temperature" and oid is not None:
            number = yield from self._get_int(oid)
            if number is None:
                return False
            if norm(oid) == norm(IEM_TEMP_OID):
                unit = yield from self._get_int(IEM_TEMP_UNIT_OID)
                temp = (number - 32) / 1.8 if unit is None or unit == IEM_FAHRENHEIT else number
            else:
                temp = number * row.length
            self._setinfo(dstate, row, name, f"{_float32(temp):.1f}")
            return True
        text: str | None
        if oid is None:
            text = default
        elif row.is_string:
            text = yield from self._get_str(row, oid)
            if text is not None and row.lookup is not None and row.lookup.function is not None:
                text = row.lookup.function(text) or text
        else:
            number = yield from self._get_int(oid)
            if number is None:
                return False
            if (row.su & Su.FLAG_NEGINVALID and number < 0) or (
                row.su & Su.FLAG_ZEROINVALID and number == 0
            ):
                self.flags[i] &= ~Su.FLAG_OK
                if self.flags[i] & Su.FLAG_UNIQUE:
                    self._disable_competition(i)
                    self.flags[i] &= ~Su.FLAG_UNIQUE
                return False
            looked = row.lookup.to_nut(number) if row.lookup is not None else None
            text = looked if looked is not None else format_number(number, row.length)
        if text is None:
            return False
        self._setinfo(dstate, row, name, text)
        return True

    @staticmethod
    def _alarm_text(row: SnmpInfo, name: str, text: str) -> str:
        if row.su & (Su.OUTLET | Su.OUTLET_GROUP):
            group = bool(row.su & Su.OUTLET_GROUP)
            number = name.split(".")[2 if group else 1]
            return f"outlet{' group' if group else ''} {number} {text}"
        if name.startswith("L"):
            return f"phase L{strtol(name[1:])} {text}"
        return text

    @staticmethod
    def _setinfo(dstate: Dstate, row: SnmpInfo, name: str, value: str | None) -> None:
        """``su_setinfo``: the value (or the default), the flags, the length, the enum."""
        if row.is_command:
            return
        if name.lower() == "ups.status" or name.endswith(".alarm"):
            return
        if value is None:
            if row.default is None:
                return
            value = row.default
        dstate.setinfo(name, value)
        dstate.setflags(name, row.flags)
        dstate.setaux(name, int(row.length))
        if row.flags & Flag.RW and row.lookup is not None:
            for word in row.lookup.words:
                dstate.addenum(name, word)


# -- SET -------------------------------------------------------------------------


class SetType(Enum):
    """The SNMP types NUT sets (net-snmp's 's', 'i' and 't')."""

    STRING = "s"
    INTEGER = "i"
    TIMETICKS = "t"


@dataclass(frozen=True, slots=True, kw_only=True)
class SetPlan:
    """One SNMP SET, and the value to publish once it worked (for a setting)."""

    oid: str
    type: SetType
    value: str | int
    publish: str | None = None


_ITEM = re.compile(r"^(outlet\.group|outlet)\.(\d+)\.(.+)$")


def _find_row(walker: Walker, name: str) -> int | None:
    low = name.lower()
    for i, row in enumerate(walker.rows):
        if row.name.lower() == low:
            return i
    return None


def _c_long(text: str) -> int | None:
    """``str_to_long(text, base 10)``: the whole text must be a number."""
    try:
        return int(text.strip(), 10) if text.strip() == text else None
    except ValueError:
        return None


def plan_set(
    walker: Walker, dstate: Dstate, name: str, value: str | None, *, command: bool
) -> SetPlan | Status:
    """``su_setOID``: what to SET for a setting (``command=False``) or an instant command."""
    oid: str | None
    m = _ITEM.match(name)
    if m is None:
        i = _find_row(walker, name)
        if i is None:
            return Status.UNKNOWN
        row = walker.rows[i]
        oid = row.oid
        default = row.default
    else:
        kind, number_text, rest = m.groups()
        number = int(number_text)
        total = strtol(dstate.getinfo(f"{kind}.count") or "0")
        if number > total:
            return Status.INVALID
        i = _find_row(walker, f"{kind}.%i.{rest}")
        if i is None:
            return Status.UNKNOWN
        row = walker.rows[i]
        oid = None
        if row.oid is not None:
            if walker.daisy:
                # su_setOID: a single unit is device 0 with no offset (the
                # walk reads at device 1 + offset: the same index when the
                # unit's objects are indexed from 0, as Eaton's are).
                if row.su & Su.TYPE_DAISY_1:
                    oid = fill(row.oid, 0, number)
                else:
                    oid = fill(row.oid, number, 0)
            else:
                oid = fill(row.oid, number)
        default = row.default
        if default is not None and "%i" in default:
            default = default.replace("%i", str(number), 1)
        if oid is None and command:
            return Status.UNKNOWN
    if not walker.flags[i] & Su.FLAG_OK:
        return Status.UNKNOWN
    if oid is None or "%" in oid:
        # A server-side value: NUT tries to SET a NULL OID, which fails.
        # NUT (2.8.0, and HEAD still) SETs a daisy row's OID template as it
        # is, "%i" and all, which net-snmp cannot parse: FAILED too.
        return Status.FAILED
    if command and value is None and default is None:
        return Status.INVALID
    chosen = value if value is not None else default
    assert chosen is not None
    if row.is_string:
        return SetPlan(
            oid=norm(oid),
            type=SetType.STRING,
            value=chosen,
            publish=None if command else value,
        )
    number_value: int | None
    if command:
        number_value = _c_long(chosen)
        if number_value is None:
            return Status.INVALID
    elif row.lookup is not None:
        number_value = row.lookup.to_device(chosen)
    else:
        parsed = _c_long(chosen)
        if parsed is None:
            return Status.INVALID
        number_value = int(parsed / row.length)
    if row.su & Su.TYPE_TIME:
        return SetPlan(
            oid=norm(oid),
            type=SetType.TIMETICKS,
            value=number_value * 100,
            publish=None if command else value,
        )
    return SetPlan(
        oid=norm(oid),
        type=SetType.INTEGER,
        value=number_value,
        publish=None if command else value,
    )
