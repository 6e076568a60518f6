"""What a driver publishes: changes queued once, status batching, dumps that upsd can rebuild.

Facts from NUT 2.8.0 ``drivers/dstate.c``: ``dstate_setinfo`` sends only
when ``state_setinfo`` reports a change (a case-only change is none),
``status_commit`` publishes ``ups.status`` once per pass (``ALARM`` in
front while an alarm is active, ``LB`` decided from the charge or runtime
with ``ignorelb``), and ``DUMPALL`` is answered with DATASTALE (when
stale), every node in ``strcasecmp`` order as SETINFO, ADDENUM...,
ADDRANGE..., SETAUX, SETFLAGS, then the ADDCMDs, DATAOK (when not stale)
and DUMPDONE.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powerdown.drivers.dstate import Dstate, flag_words
from powerdown.protocol import sock
from powerdown.protocol.words import Tokenizer
from powerdown.state.tree import DeviceState, Flag

# -- helpers -------------------------------------------------------------------


def wire(messages: list[sock.DriverMessage]) -> bytes:
    """The bytes a driver writes for ``messages`` (one line each)."""
    return "".join(sock.render(m) + "\n" for m in messages).encode("ascii")


def read_wire(data: bytes) -> list[sock.DriverMessage]:
    """What upsd reads back from those bytes, with NUT's tokenizer."""
    tok = Tokenizer()
    out = []
    for words in tok.feed(data) + tok.close():
        assert words.error is None, words
        out.append(sock.parse_driver_message(words.args))
    return out


def mirror(messages: list[sock.DriverMessage], tree: DeviceState | None = None) -> DeviceState:
    """upsd's copy of the tree after it applied ``messages`` off the wire."""
    tree = DeviceState() if tree is None else tree
    for msg in read_wire(wire(messages)):
        sock.apply(tree, msg)
    return tree


def snapshot(tree: DeviceState) -> tuple[list[tuple[object, ...]], list[str]]:
    """Everything of a tree that travels on the wire (IMMUTABLE does not)."""
    return (
        [
            (v.name, v.value, v.flags & ~Flag.IMMUTABLE, v.aux, list(v.enums), list(v.ranges))
            for v in tree.vars()
        ],
        list(tree.cmds()),
    )


def strcasecmp(a: str, b: str) -> int:
    """C's strcasecmp in the C locale, byte by byte."""
    for x, y in zip(a.encode(), b.encode(), strict=False):
        lx = x + 32 if 65 <= x <= 90 else x
        ly = y + 32 if 65 <= y <= 90 else y
        if lx != ly:
            return lx - ly
    return len(a) - len(b)


def fresh(*, ok: bool = True) -> Dstate:
    d = Dstate()
    if ok:
        d.dataok()
    d.take_changes()
    return d


# -- one change, queued once -----------------------------------------------------


def test_Dstate_setinfo_queues_a_new_value_once() -> None:
    d = fresh()
    assert d.setinfo("ups.load", "10") is True
    assert d.setinfo("ups.load", "10") is False
    assert d.take_changes() == [sock.SetInfo(name="ups.load", value="10")]
    assert d.take_changes() == []
    assert d.setinfo("ups.load", "11") is True
    assert d.setinfo("ups.load", "11") is False
    assert d.take_changes() == [sock.SetInfo(name="ups.load", value="11")]
    assert d.getinfo("ups.load") == "11"


def test_Dstate_setinfo_case_only_change_is_not_a_change() -> None:
    """As NUT's state_setinfo (strcasecmp): "on" after "ON" keeps "ON" and sends nothing."""
    d = fresh()
    d.setinfo("ups.beeper.status", "ON")
    d.take_changes()
    assert d.setinfo("ups.beeper.status", "on") is False
    assert d.take_changes() == []
    assert d.getinfo("ups.beeper.status") == "ON"


def test_Dstate_names_are_case_insensitive_and_keep_their_first_spelling() -> None:
    d = fresh()
    d.setinfo("ups.Model", "A")
    d.take_changes()
    assert d.setinfo("UPS.MODEL", "B") is True
    assert d.getinfo("ups.model") == "B"
    assert d.take_changes() == [sock.SetInfo(name="ups.Model", value="B")]


def test_Dstate_every_setter_queues_only_real_changes() -> None:
    d = fresh()
    d.setinfo("input.transfer.low", "95")
    assert d.setflags("input.transfer.low", Flag.RW | Flag.NUMBER)
    assert not d.setflags("input.transfer.low", Flag.RW | Flag.NUMBER)
    assert d.setaux("input.transfer.low", 3)
    assert not d.setaux("input.transfer.low", 3)
    assert d.addenum("input.transfer.low", "95")
    assert not d.addenum("input.transfer.low", "95")
    assert d.addrange("input.transfer.low", 90, 100)
    assert not d.addrange("input.transfer.low", 90, 100)
    assert d.delenum("input.transfer.low", "95")
    assert not d.delenum("input.transfer.low", "95")
    assert d.delrange("input.transfer.low", 90, 100)
    assert not d.delrange("input.transfer.low", 90, 100)
    assert d.addcmd("load.off")
    assert not d.addcmd("load.off")
    assert d.delcmd("load.off")
    assert not d.delcmd("load.off")
    assert d.delinfo("input.transfer.low")
    assert not d.delinfo("input.transfer.low")
    # Nothing can be attached to a variable that does not exist.
    assert not d.setflags("nope", Flag.RW)
    assert not d.setaux("nope", 1)
    assert not d.addenum("nope", "x")
    assert not d.addrange("nope", 1, 2)
    name = "input.transfer.low"
    assert d.take_changes() == [
        sock.SetInfo(name=name, value="95"),
        sock.SetFlags(name=name, flags=("RW", "NUMBER")),
        sock.SetAux(name=name, aux=3),
        sock.AddEnum(name=name, value="95"),
        sock.AddRange(name=name, low=90, high=100),
        sock.DelEnum(name=name, value="95"),
        sock.DelRange(name=name, low=90, high=100),
        sock.AddCmd(name="load.off"),
        sock.DelCmd(name="load.off"),
        sock.DelInfo(name=name),
    ]


def test_flag_words_are_in_NUTs_order() -> None:
    assert flag_words(Flag.NUMBER | Flag.RW | Flag.STRING) == ("RW", "STRING", "NUMBER")
    assert flag_words(Flag.IMMUTABLE) == ()
    assert flag_words(Flag.NONE) == ()


# -- overrides ---------------------------------------------------------------------


def test_Dstate_override_ignores_later_setinfo_and_delinfo() -> None:
    d = fresh()
    assert d.setinfo("ups.mfr", "Acme", immutable=True)
    assert d.take_changes() == [sock.SetInfo(name="ups.mfr", value="Acme")]
    assert d.setinfo("ups.mfr", "American Power Conversion") is False
    assert d.delinfo("ups.mfr") is False
    assert d.take_changes() == []
    assert d.getinfo("ups.mfr") == "Acme"
    # The override itself may change (a reload of ups.conf).
    assert d.setinfo("ups.mfr", "Other", immutable=True)
    assert d.setinfo("ups.mfr", "Third") is False
    assert d.getinfo("ups.mfr") == "Other"


def test_Dstate_override_of_a_value_the_driver_already_set_is_immutable_too() -> None:
    """An override applied on reload, after the driver published the variable."""
    d = fresh()
    d.setinfo("ups.mfr", "From the device")
    assert d.setinfo("ups.mfr", "Acme", immutable=True)
    d.setinfo("ups.mfr", "From the device")
    assert d.getinfo("ups.mfr") == "Acme"


def test_Dstate_override_keeps_its_flags_out_of_the_wire() -> None:
    d = fresh()
    d.setinfo("ups.id", "room 1", immutable=True)
    d.setflags("ups.id", Flag.RW | Flag.STRING)
    d.take_changes()
    assert d.dump()[:2] == [
        sock.SetInfo(name="ups.id", value="room 1"),
        sock.SetFlags(name="ups.id", flags=("RW", "STRING")),
    ]


# -- ups.status and ups.alarm ------------------------------------------------------


def poll_status(d: Dstate, *words: str) -> list[sock.DriverMessage]:
    d.status_init()
    for w in words:
        d.status_set(w)
    d.status_commit()
    return d.take_changes()


def test_Dstate_status_words_of_a_poll_make_one_setinfo() -> None:
    d = fresh()
    d.status_init()
    d.status_set("OL")
    d.status_set("CHRG")
    assert d.take_changes() == []  # nothing before the commit
    d.status_commit()
    assert d.take_changes() == [sock.SetInfo(name="ups.status", value="OL CHRG")]


def test_Dstate_status_unchanged_commit_sends_nothing() -> None:
    d = fresh()
    assert poll_status(d, "OL") == [sock.SetInfo(name="ups.status", value="OL")]
    assert poll_status(d, "OL") == []
    assert poll_status(d, "OB", "DISCHRG") == [sock.SetInfo(name="ups.status", value="OB DISCHRG")]


def test_Dstate_status_duplicates_kept_once_and_words_split_on_blanks() -> None:
    d = fresh()
    assert poll_status(d, "OB", "OB LB", "LB", " DISCHRG ") == [
        sock.SetInfo(name="ups.status", value="OB LB DISCHRG")
    ]


def test_Dstate_status_init_starts_a_new_pass() -> None:
    d = fresh()
    poll_status(d, "OB", "LB")
    assert poll_status(d, "OL") == [sock.SetInfo(name="ups.status", value="OL")]


def test_Dstate_status_without_ignorelb_keeps_device_LB_and_adds_none() -> None:
    d = fresh()
    d.setinfo("battery.charge", "5")
    d.setinfo("battery.charge.low", "20")
    d.take_changes()
    assert poll_status(d, "OB") == [sock.SetInfo(name="ups.status", value="OB")]
    assert poll_status(d, "OB", "LB") == [sock.SetInfo(name="ups.status", value="OB LB")]


def test_Dstate_ignorelb_drops_LB_from_the_device() -> None:
    d = fresh()
    d.ignorelb = True
    d.setinfo("battery.charge", "80")
    d.setinfo("battery.charge.low", "20")
    d.take_changes()
    assert poll_status(d, "OB", "LB") == [sock.SetInfo(name="ups.status", value="OB")]
    assert poll_status(d, "OB", "lb") == []


@pytest.mark.parametrize(
    ("values", "status"),
    [
        ({"battery.charge": "19", "battery.charge.low": "20"}, "OB LB"),
        ({"battery.charge": "20", "battery.charge.low": "20"}, "OB"),
        ({"battery.runtime": "119", "battery.runtime.low": "120"}, "OB LB"),
        ({"battery.runtime": "600", "battery.runtime.low": "120"}, "OB"),
        (
            {
                "battery.charge": "90",
                "battery.charge.low": "20",
                "battery.runtime": "60",
                "battery.runtime.low": "120",
            },
            "OB LB",
        ),
        ({"battery.charge": "5"}, "OB"),  # no low mark: nothing to compare with
        ({"battery.runtime.low": "120"}, "OB"),
    ],
)
def test_Dstate_ignorelb_adds_LB_from_charge_or_runtime(
    values: dict[str, str], status: str
) -> None:
    d = fresh()
    d.ignorelb = True
    for name, value in values.items():
        d.setinfo(name, value)
    d.take_changes()
    assert poll_status(d, "OB", "LB") == [sock.SetInfo(name="ups.status", value=status)]


def test_Dstate_ignorelb_LB_follows_the_charge_poll_by_poll() -> None:
    d = fresh()
    d.ignorelb = True
    d.setinfo("battery.charge.low", "20")
    d.setinfo("battery.charge", "50")
    d.take_changes()
    assert poll_status(d, "OB") == [sock.SetInfo(name="ups.status", value="OB")]
    d.setinfo("battery.charge", "10")
    assert poll_status(d, "OB") == [
        sock.SetInfo(name="battery.charge", value="10"),
        sock.SetInfo(name="ups.status", value="OB LB"),
    ]
    d.setinfo("battery.charge", "30")
    assert poll_status(d, "OL", "CHRG") == [
        sock.SetInfo(name="battery.charge", value="30"),
        sock.SetInfo(name="ups.status", value="OL CHRG"),
    ]


def test_Dstate_alarm_sets_ups_alarm_and_prefixes_status() -> None:
    d = fresh()
    poll_status(d, "OL")
    d.alarm_init()
    d.alarm_set("Replace battery!")
    d.alarm_set("Fan failure")
    d.alarm_set("Fan failure")
    d.alarm_set("")
    assert d.take_changes() == []  # nothing before the commit
    d.alarm_commit()
    assert poll_status(d, "OL") == [
        sock.SetInfo(name="ups.alarm", value="Replace battery! Fan failure"),
        sock.SetInfo(name="ups.status", value="ALARM OL"),
    ]
    # Same alarms next poll: nothing new.
    d.alarm_init()
    d.alarm_set("Replace battery!")
    d.alarm_set("Fan failure")
    d.alarm_commit()
    assert poll_status(d, "OL") == []
    # The device itself says ALARM too: the word is still there once.
    changes = poll_status(d, "OL", "ALARM")
    status = d.getinfo("ups.status")
    assert status is not None and status.split().count("ALARM") == 1
    assert changes in ([], [sock.SetInfo(name="ups.status", value=status)])


def test_Dstate_alarm_cleared_removes_ups_alarm_and_the_prefix() -> None:
    d = fresh()
    d.alarm_init()
    d.alarm_set("Replace battery!")
    d.alarm_commit()
    poll_status(d, "OL")
    d.alarm_init()
    d.alarm_commit()
    assert poll_status(d, "OL") == [
        sock.DelInfo(name="ups.alarm"),
        sock.SetInfo(name="ups.status", value="OL"),
    ]
    assert d.getinfo("ups.alarm") is None
    # No alarm before, none now: no DELINFO for a variable that is not there.
    d.alarm_init()
    d.alarm_commit()
    assert poll_status(d, "OL") == []


# -- data state ----------------------------------------------------------------------


def test_Dstate_dataok_and_datastale_queue_only_on_change() -> None:
    d = Dstate()
    assert d.stale
    d.datastale()
    assert d.take_changes() == []  # a new driver starts stale
    d.dataok()
    d.dataok()
    assert d.take_changes() == [sock.DataOK()]
    assert not d.stale
    d.datastale()
    d.datastale()
    assert d.take_changes() == [sock.DataStale()]
    d.dataok()
    d.datastale()
    assert d.take_changes() == [sock.DataOK(), sock.DataStale()]


# -- dumps -------------------------------------------------------------------------------


@dataclass
class VarSpec:
    name: str
    value: str
    flags: Flag = Flag.NONE
    aux: int = 0
    enums: list[str] = field(default_factory=list)
    ranges: list[tuple[int, int]] = field(default_factory=list)


ODD_VALUES = [
    "",
    " ",
    "  two  blanks  ",
    'say "hi"',
    "back\\slash",
    "trailing\\",
    "\\\\",
    "# not a comment",
    "a#b",
    "key=value",
    "=",
    "==",
    '"',
    '\\"',
    "'single'",
    "x" * 250,
    "a b" * 83,
    "~!@$%^&*()_+{}|:<>?`-[];,./",
    "\x7f",
]


def large_specs(n: int = 1000, seed: int = 2_8_0) -> list[VarSpec]:
    """``n`` variables with mixed-case names, odd values, enums, ranges, aux and flags."""
    rnd = random.Random(seed)
    specs: list[VarSpec] = []
    parts = ["ups", "UPS", "Battery", "input", "output", "ambient", "outlet", "_x", "a-b", "9"]
    names: set[str] = set()
    while len(specs) < n:
        name = ".".join(rnd.choice(parts) for _ in range(rnd.randint(1, 3)))
        name += f".{rnd.randint(0, 10_000)}" if rnd.random() < 0.8 else ""
        if name.lower() in names:
            continue
        names.add(name.lower())
        spec = VarSpec(name=name, value=rnd.choice(ODD_VALUES) if rnd.random() < 0.3 else name)
        if rnd.random() < 0.5:
            spec.flags = Flag(rnd.randint(1, 7))
        if rnd.random() < 0.3:
            spec.aux = rnd.randint(1, 255)
        for _ in range(rnd.choice([0, 0, 1, 3])):
            e = rnd.choice(ODD_VALUES + [f"e{rnd.randint(0, 9)}"])
            if e not in spec.enums:
                spec.enums.append(e)
        for _ in range(rnd.choice([0, 0, 1, 2])):
            lo = rnd.randint(-50, 50)
            r = (lo, lo + rnd.randint(0, 100))
            if r not in spec.ranges:
                spec.ranges.append(r)
        specs.append(spec)
    return specs


def build(specs: list[VarSpec], cmds: list[str], *, ok: bool = True) -> Dstate:
    """A Dstate filled through its public setters, in the order given."""
    d = Dstate()
    if ok:
        d.dataok()
    for s in specs:
        d.setinfo(s.name, s.value)
        if s.flags:
            d.setflags(s.name, s.flags)
        if s.aux:
            d.setaux(s.name, s.aux)
        for e in s.enums:
            d.addenum(s.name, e)
        for lo, hi in s.ranges:
            d.addrange(s.name, lo, hi)
    for c in cmds:
        d.addcmd(c)
    return d


def expected_dump(specs: list[VarSpec], cmds: list[str], *, ok: bool) -> list[sock.DriverMessage]:
    key = functools.cmp_to_key(strcasecmp)
    out: list[sock.DriverMessage] = [] if ok else [sock.DataStale()]
    for s in sorted(specs, key=lambda s: key(s.name)):
        out.append(sock.SetInfo(name=s.name, value=s.value))
        out.extend(sock.AddEnum(name=s.name, value=e) for e in s.enums)
        out.extend(sock.AddRange(name=s.name, low=lo, high=hi) for lo, hi in s.ranges)
        if s.aux:
            out.append(sock.SetAux(name=s.name, aux=s.aux))
        words = [
            w
            for f, w in ((Flag.RW, "RW"), (Flag.STRING, "STRING"), (Flag.NUMBER, "NUMBER"))
            if s.flags & f
        ]
        if words:
            out.append(sock.SetFlags(name=s.name, flags=tuple(words)))
    out.extend(sock.AddCmd(name=c) for c in sorted(cmds, key=key))
    if ok:
        out.append(sock.DataOK())
    out.append(sock.DumpDone())
    return out


CMDS = ["test.battery.start", "Load.Off", "beeper.toggle", "load.on", "shutdown.return", "_odd"]


@pytest.mark.parametrize("ok", [True, False], ids=["dataok", "stale"])
def test_Dstate_dump_of_a_large_state_is_in_NUTs_order(ok: bool) -> None:
    specs = large_specs()
    d = build(list(reversed(specs)), CMDS, ok=ok)
    dump = d.dump()
    assert dump == expected_dump(specs, CMDS, ok=ok)
    assert len([m for m in dump if isinstance(m, sock.SetInfo)]) == 1000
    assert isinstance(dump[-1], sock.DumpDone)
    # A dump is an answer, not a change: the queue is untouched by it.
    queued = d.take_changes()
    assert d.dump() == dump
    assert d.take_changes() == []
    assert queued  # building it queued the changes


def test_Dstate_dump_round_trips_through_the_wire() -> None:
    """upsd rebuilds exactly the driver's tree from the dump, odd values included."""
    specs = large_specs()
    d = build(specs, CMDS)
    dump = d.dump()
    assert read_wire(wire(dump)) == dump
    assert snapshot(mirror(dump)) == snapshot(d.tree)


def test_Dstate_changes_round_trip_through_the_wire() -> None:
    """A mirror fed every queued change ends equal to the driver's tree."""
    specs = large_specs(300, seed=7)
    d = build(specs, CMDS)
    changes = d.take_changes()
    assert read_wire(wire(changes)) == changes
    assert snapshot(mirror(changes)) == snapshot(d.tree)


@pytest.mark.parametrize("value", ODD_VALUES, ids=lambda v: repr(v)[:30])
def test_Dstate_odd_value_survives_render_tokenize_parse(value: str) -> None:
    d = fresh()
    d.setinfo("ups.id", value)
    d.setflags("ups.id", Flag.RW | Flag.STRING)
    d.addenum("ups.id", value)
    line = sock.render(d.take_changes()[0]) + "\n"
    assert line.startswith('SETINFO ups.id "')
    (msg,) = read_wire(line.encode())
    assert msg == sock.SetInfo(name="ups.id", value=value)
    assert snapshot(mirror(d.dump())) == snapshot(d.tree)


def test_Dstate_value_of_250_characters_goes_whole() -> None:
    d = fresh()
    d.setinfo("ups.id", "v" * 250)
    (msg,) = read_wire(wire(d.take_changes()))
    assert isinstance(msg, sock.SetInfo) and len(msg.value) == 250


@pytest.mark.parametrize(
    ("value", "received"),
    [
        ("Müller AG", "Mller AG"),
        ("温度", ""),
        ("tab\there", "tabhere"),
        ("line\nbreak", "linebreak"),
        ("nul\x00byte", "nulbyte"),
    ],
)
def test_Dstate_characters_outside_printable_ASCII_are_dropped_on_the_wire(
    value: str, received: str
) -> None:
    """render() drops what NUT's tokenizer would drop; the driver's own tree keeps it."""
    d = fresh()
    d.setinfo("ups.id", value)
    d.addenum("ups.id", value)
    changes = d.take_changes()
    data = wire(changes)
    assert data.isascii()
    assert read_wire(data) == [
        sock.SetInfo(name="ups.id", value=received),
        sock.AddEnum(name="ups.id", value=received),
    ]
    assert d.getinfo("ups.id") == value
    assert mirror(d.dump()).value("ups.id") == received


def test_Dstate_dump_value_is_one_variable_then_DUMPDONE() -> None:
    specs = [
        VarSpec(name="ups.status", value="OL"),
        VarSpec(
            name="input.transfer.low",
            value="95",
            flags=Flag.RW | Flag.NUMBER,
            aux=3,
            enums=["95", "98"],
            ranges=[(90, 100)],
        ),
    ]
    d = build(specs, ["load.off"])
    assert d.dump_value("INPUT.TRANSFER.LOW") == [
        sock.SetInfo(name="input.transfer.low", value="95"),
        sock.AddEnum(name="input.transfer.low", value="95"),
        sock.AddEnum(name="input.transfer.low", value="98"),
        sock.AddRange(name="input.transfer.low", low=90, high=100),
        sock.SetAux(name="input.transfer.low", aux=3),
        sock.SetFlags(name="input.transfer.low", flags=("RW", "NUMBER")),
        sock.DataOK(),
        sock.DumpDone(),
    ]
    assert d.dump_value("nope") == [sock.DataOK(), sock.DumpDone()]
    d.datastale()
    assert d.dump_value("ups.status") == [
        sock.DataStale(),
        sock.SetInfo(name="ups.status", value="OL"),
        sock.DumpDone(),
    ]


def test_Dstate_upsc_lines_list_the_tree_in_order() -> None:
    d = build(
        [VarSpec(name="ups.status", value="OL"), VarSpec(name="Battery.charge", value="9")], []
    )
    assert d.upsc_lines() == ["Battery.charge: 9", "ups.status: OL"]


# -- random trees ----------------------------------------------------------------------------

_NAME = st.text(alphabet="abcdXYZ019_.-", min_size=1, max_size=16)
_VALUE = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7F), max_size=250)
_VAR = st.builds(
    VarSpec,
    name=_NAME,
    value=_VALUE,
    flags=st.sampled_from(list(Flag(i) for i in range(8))),
    aux=st.integers(min_value=-(2**31), max_value=2**31 - 1),
    enums=st.lists(_VALUE, max_size=4, unique=True),
    ranges=st.lists(
        st.tuples(st.integers(-(2**31), 2**31 - 1), st.integers(0, 2**31)).map(
            lambda t: (t[0], t[0] + t[1])
        ),
        max_size=3,
        unique=True,
    ),
)
_TREE = st.lists(_VAR, max_size=40, unique_by=lambda v: v.name.lower())
_CMDS = st.lists(_NAME, max_size=10, unique_by=str.lower)


@settings(max_examples=150, deadline=None)
@given(specs=_TREE, cmds=_CMDS, ok=st.booleans())
def test_Dstate_random_trees_round_trip(specs: list[VarSpec], cmds: list[str], ok: bool) -> None:
    d = build(specs, cmds, ok=ok)
    dump = d.dump()
    assert read_wire(wire(dump)) == dump
    assert snapshot(mirror(dump)) == snapshot(d.tree)
    if ok:
        assert dump[-2:] == [sock.DataOK(), sock.DumpDone()]
        assert sock.DataStale() not in dump
    else:
        assert dump[0] == sock.DataStale() and dump[-1] == sock.DumpDone()
        assert sock.DataOK() not in dump


# Operations on a few names, so they meet the same variables often.
_POOL = st.sampled_from(["ups.id", "UPS.Id", "ups.status", "x", "input.transfer.low", "a_b"])
_OP = st.one_of(
    st.tuples(st.just("setinfo"), _POOL, _VALUE),
    st.tuples(st.just("delinfo"), _POOL),
    st.tuples(st.just("setflags"), _POOL, st.sampled_from([Flag(i) for i in range(1, 8)])),
    st.tuples(st.just("setaux"), _POOL, st.integers(0, 512)),
    st.tuples(st.just("addenum"), _POOL, _VALUE),
    st.tuples(st.just("delenum"), _POOL, _VALUE),
    st.tuples(st.just("addrange"), _POOL, st.integers(-5, 5), st.integers(-5, 5)),
    st.tuples(st.just("delrange"), _POOL, st.integers(-5, 5), st.integers(-5, 5)),
    st.tuples(st.just("addcmd"), _POOL),
    st.tuples(st.just("delcmd"), _POOL),
)


@settings(max_examples=150, deadline=None)
@given(ops=st.lists(_OP, max_size=60), cut=st.integers(0, 60))
def test_Dstate_a_mirror_fed_changes_equals_one_fed_a_dump(
    ops: list[tuple[object, ...]], cut: int
) -> None:
    """upsd connected early (changes) and upsd connected late (dump) agree."""
    d = fresh()
    early = DeviceState()
    for i, (op, *args) in enumerate(ops):
        getattr(d, str(op))(*args)
        if i == cut:
            mirror(d.take_changes(), early)
    mirror(d.take_changes(), early)
    late = mirror(d.dump())
    assert snapshot(early) == snapshot(late) == snapshot(d.tree)
