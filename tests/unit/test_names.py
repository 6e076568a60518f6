"""Descriptions of NUT names (GET DESC / GET CMDDESC) and name rules."""

from __future__ import annotations

import importlib.util
import re
import shlex
import sys
from collections import Counter
from pathlib import Path

import pytest

from powerdown.protocol.names import (
    DESC_UNAVAILABLE,
    UPSDESC_UNAVAILABLE,
    DescTable,
    NameRow,
    builtin_rows,
    fold_name,
    is_valid_name,
    parse_names_tsv,
)
from powerdown.protocol.words import WORDLEN_LIMIT

REPO = Path(__file__).resolve().parents[2]
NUT_NAMES = Path("/tmp/nutdocs/nut-names.txt")
DEBIAN_CMDVARTAB = Path("/usr/share/nut/cmdvartab")
# First words of the "Valid SPECs" rows, which are parts of names, not names.
SPEC_ROOTS = {"current", "voltage", "power", "frequency"}


@pytest.fixture(scope="module")
def table() -> DescTable:
    return DescTable.builtin()


# --- builtin lookups -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "desc"),
    [
        ("battery.charge", "Battery charge (percent)"),
        ("device.mfr", "Device manufacturer"),
        ("ups.temperature", "UPS temperature (degrees C)"),
        ("input.transfer.low", "Low voltage transfer point (V)"),
        ("server.version", "Server version"),
        ("input.phases", "Number of input phases (3 for three-phase, absent or 1 for 1phase)"),
    ],
)
def test_DescTable_exact_var(table: DescTable, name: str, desc: str) -> None:
    assert table.var_desc(name) == desc


def test_DescTable_exact_cmd(table: DescTable) -> None:
    assert table.cmd_desc("load.off") == "Turn off the load immediately"
    assert table.cmd_desc("test.battery.start.quick") == 'Start a "quick" battery test'
    assert table.cmd_desc("beeper.mute") == "Temporarily mute UPS beeper/buzzer"


def test_DescTable_ignores_case_like_strcasecmp(table: DescTable) -> None:
    assert table.var_desc("Battery.CHARGE") == "Battery charge (percent)"
    assert table.cmd_desc("LOAD.OFF") == "Turn off the load immediately"
    assert table.var_desc("OUTLET.2.STATUS") == "Outlet switch status (on/off)"


@pytest.mark.parametrize(
    ("name", "desc"),
    [
        ("outlet.1.status", "Outlet switch status (on/off)"),
        ("outlet.12.delay.shutdown", "Interval to wait before shutting down this outlet (seconds)"),
        # "outlet.0" is the same as "outlet" without an index.
        ("outlet.0.status", "Outlet switch status (on/off)"),
        ("outlet.status", "Outlet switch status (on/off)"),
        (
            "outlet.group.3.phase",
            "Electrical phase to which the physical outlet group (Gang) is connected to",
        ),
        ("ambient.2.humidity", "Ambient relative humidity (percent)"),
        ("ambient.temperature", "Ambient temperature (degrees C)"),
        ("ambient.1.contacts.2.status", "State of the dry contact sensor x"),
        ("driver.parameter.pollinterval", "Parameter xxx (ups.conf or cmdline -x) setting"),
        ("driver.flag.ignorelb", "Flag xxx (ups.conf or cmdline -x) status"),
        # three-phase DOMAIN.CONTEXT.SPEC and DOMAIN.SPEC names
        ("input.L1-L2.voltage.maximum", "Maximum seen voltage (V)"),
        ("input.L1-N.voltage", "Voltage (V)"),
        ("output.L3.current", "Current (A)"),
        ("input.N.current", "Current (A)"),
        ("input.bypass.L2.realpower", "Real power (W)"),
        ("output.inverter.frequency", "Frequency (Hz)"),
        ("output.powerfactor", "Power Factor (dimensionless value between 0.00 and 1.00)"),
    ],
)
def test_DescTable_placeholder_var(table: DescTable, name: str, desc: str) -> None:
    assert table.var_desc(name) == desc


def test_DescTable_placeholder_cmd(table: DescTable) -> None:
    assert table.cmd_desc("outlet.1.load.off") == "Turn off the outlet immediately"
    assert table.cmd_desc("outlet.10.load.cycle") == "Power cycle the outlet immediately"
    # the doc lists outlet.n.shutdown.return twice; the first row is kept
    assert table.cmd_desc("outlet.2.shutdown.return") == (
        "Turn off the outlet possibly after a delay and return when power is back"
    )


def test_DescTable_exact_name_beats_pattern(table: DescTable) -> None:
    # outlet.switchable has its own row, distinct from outlet.n.switchable
    assert table.var_desc("outlet.switchable") == (
        "General outlet switch ability of the unit (yes/no)"
    )
    assert table.var_desc("outlet.4.switchable") == "Outlet switch ability (yes/no)"
    # input.voltage is the doc's own row, not the generic three-phase SPEC
    assert table.var_desc("input.voltage") == "Input voltage (V)"
    assert table.var_desc("outlet.group.count") == "Total number of outlet groups"


@pytest.mark.parametrize(
    "name",
    [
        "no.such.variable",
        "outlet.x.status",  # the index must be a number
        "outlet.1",
        "outlet.1.status.extra",
        "driver.parameter.",
        "ups.L1.voltage",  # "ups" is not a three-phase DOMAIN
        "input.L4.current",  # not a CONTEXT
        "",
        "load.off",  # a command, not a variable
    ],
)
def test_DescTable_unknown_var(table: DescTable, name: str) -> None:
    assert table.var_desc(name) is None


def test_DescTable_unknown_cmd(table: DescTable) -> None:
    assert table.cmd_desc("no.such.command") is None
    assert table.cmd_desc("ups.status") is None


def test_unavailable_texts_match_upsd() -> None:
    # server/netget.c: DESC/CMDDESC vs UPSDESC use different words
    assert DESC_UNAVAILABLE == "Description unavailable"
    assert UPSDESC_UNAVAILABLE == "Unavailable"


# --- the table itself ------------------------------------------------------


def test_builtin_rows_have_no_duplicate_names() -> None:
    rows = builtin_rows()
    counts = Counter((r.kind, fold_name(r.name)) for r in rows)
    assert [k for k, n in counts.items() if n > 1] == []
    assert len(rows) > 2000


def test_builtin_rows_every_exact_name_resolves_to_its_row(table: DescTable) -> None:
    for row in builtin_rows():
        concrete = row.name.replace("{n}", "7").replace("{name}", "something")
        got = table.var_desc(concrete) if row.kind == "VAR" else table.cmd_desc(concrete)
        if "{" not in row.name:
            assert got == row.description, row
        else:
            assert got is not None, row


def test_builtin_rows_descriptions_are_clean() -> None:
    for row in builtin_rows():
        assert row.description and row.description == " ".join(row.description.split()), row
        assert "`" not in row.description and "note below" not in row.description, row
        assert is_valid_name(row.name.replace("{n}", "1").replace("{name}", "x")), row


def _doc_table_names(text: str) -> list[str]:
    """Names from the first cell of each table row, read independently of the generator."""
    names: list[str] = []
    in_table = False
    for line in text.splitlines():
        if re.match(r"^\|=+\s*$", line):
            in_table = not in_table
            continue
        m = re.match(r"^\|\s*([A-Za-z][\w.-]*)\s*(\||$)", line) if in_table else None
        if m and m.group(1) != "Name" and "." in m.group(1):
            names.append(m.group(1))
    return names


@pytest.mark.skipif(not NUT_NAMES.exists(), reason="no copy of NUT's nut-names.txt")
def test_builtin_table_covers_every_name_in_nut_names(table: DescTable) -> None:
    text = NUT_NAMES.read_text(encoding="utf-8")
    cmd_part = text[text.index("\nInstant commands\n") :]
    doc_names = _doc_table_names(text)
    assert len(doc_names) > 300
    missing = []
    for name in doc_names:
        concrete = ".".join({"n": "1", "x": "2", "xxx": "foo"}.get(p, p) for p in name.split("."))
        is_cmd = f"| {name} " in cmd_part or f"| {name}\n" in cmd_part
        if concrete.split(".")[0] in SPEC_ROOTS:
            continue  # a bare three-phase SPEC such as "current.maximum", not a name
        found = table.cmd_desc(concrete) if is_cmd else table.var_desc(concrete)
        if found is None:
            missing.append(name)
    assert missing == []


@pytest.mark.skipif(not NUT_NAMES.exists(), reason="no copy of NUT's nut-names.txt")
def test_committed_table_matches_generator_output(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("gen_names", REPO / "scripts" / "gen_names.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "gen_names", gen)  # dataclasses look it up
    spec.loader.exec_module(gen)
    rows, _dups = gen.build_rows(NUT_NAMES.read_text(encoding="utf-8"))
    regenerated = tuple(NameRow(kind=k, name=n, description=d) for k, n, d in rows)
    assert regenerated == builtin_rows()


def test_parse_names_tsv_rejects_bad_lines() -> None:
    assert parse_names_tsv("# c\n\nVAR\ta.b\tx\n") == (
        NameRow(kind="VAR", name="a.b", description="x"),
    )
    with pytest.raises(ValueError, match="line 1"):
        parse_names_tsv("VAR\tonly-two\n")
    with pytest.raises(ValueError, match="unknown kind"):
        parse_names_tsv("RW\ta.b\tx\n")
    with pytest.raises(ValueError, match="not a valid name"):
        parse_names_tsv("VAR\ta b\tx\n")


def test_DescTable_from_rows_first_row_wins() -> None:
    t = DescTable.from_rows(
        [
            NameRow(kind="VAR", name="a.b", description="first"),
            NameRow(kind="VAR", name="A.B", description="second"),
            NameRow(kind="CMD", name="a.b", description="command"),
        ]
    )
    assert t.var_desc("a.b") == "first"
    assert t.cmd_desc("a.b") == "command"


# --- cmdvartab -------------------------------------------------------------


def _naive_cmdvartab(text: str) -> tuple[dict[str, str], dict[str, str]]:
    vars_: dict[str, str] = {}
    cmds: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith(("VARDESC ", "CMDDESC ")):
            kw, name, desc = shlex.split(line)[:3]
            (vars_ if kw == "VARDESC" else cmds)[name.lower()] = desc
    return vars_, cmds


@pytest.mark.skipif(not DEBIAN_CMDVARTAB.exists(), reason="Debian's nut-server is not installed")
def test_DescTable_from_cmdvartab_reads_debians_file() -> None:
    text = DEBIAN_CMDVARTAB.read_text(encoding="utf-8")
    errors: list[tuple[int, str]] = []
    t = DescTable.from_cmdvartab(text, on_error=lambda n, m: errors.append((n, m)))
    assert errors == []
    want_vars, want_cmds = _naive_cmdvartab(text)
    assert len(want_vars) > 100 and len(want_cmds) > 20
    assert dict(t.vars) == want_vars
    assert dict(t.cmds) == want_cmds
    assert t.var_desc("ups.status") == "UPS status"
    assert t.var_desc("UPS.Status") == "UPS status"
    assert t.cmd_desc("load.off") == "Turn off the load immediately"
    # a cmdvartab has literal names only: no index patterns
    assert t.var_desc("outlet.1.id") == "Outlet system identifier"
    assert t.var_desc("outlet.7.id") is None


def test_DescTable_from_cmdvartab_follows_desc_load_rules() -> None:
    text = (
        "# comment line\n"
        'VARDESC ups.status "UPS status"\n'
        'vardesc ups.load "lower-case keyword is not a keyword"\n'
        "VARDESC ups.model\n"  # fewer than three words: ignored
        'CMDDESC load.off "Turn it off" extra words ignored\n'
        'UNKNOWN foo "bar"\n'
        'VARDESC UPS.STATUS "replaced"\n'
        'VARDESC battery.charge "Battery \\"charge\\" \\\n'
        '(percent)"\n'
        'VARDESC ups.id "broken # quote"\n'
        'VARDESC ups.mfr "still read after the error"\n'
    )
    errors: list[tuple[int, str]] = []
    t = DescTable.from_cmdvartab(text, on_error=lambda n, m: errors.append((n, m)))
    assert t.var_desc("ups.status") == "replaced"
    assert t.var_desc("ups.load") is None
    assert t.var_desc("ups.model") is None
    assert t.cmd_desc("load.off") == "Turn it off"
    assert t.var_desc("foo") is None and t.cmd_desc("foo") is None
    assert t.var_desc("battery.charge") == 'Battery "charge" (percent)'
    assert t.var_desc("ups.id") is None
    assert t.var_desc("ups.mfr") == "still read after the error"
    assert [n for n, _ in errors] == [10]


def test_DescTable_from_cmdvartab_empty() -> None:
    t = DescTable.from_cmdvartab("")
    assert t.var_desc("ups.status") is None and t.cmd_desc("load.off") is None


# --- name rules ------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "ups.status",
        "input.L1-N.voltage",
        "driver.parameter.batteryPercentage",
        "x",
        "unmapped.ups.powersummary.flag_x",
        "a" * WORDLEN_LIMIT,
    ],
)
def test_is_valid_name_accepts(name: str) -> None:
    assert is_valid_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "a b",
        "a\tb",
        'a"b',
        "a#b",
        "a=b",
        "a\\b",
        "caf\u00e9",
        "a\x7f",
        "a" * (WORDLEN_LIMIT + 1),
    ],
)
def test_is_valid_name_rejects(name: str) -> None:
    assert not is_valid_name(name)


def test_fold_name_only_folds_ascii() -> None:
    assert fold_name("UPS.Status") == "ups.status"
    assert fold_name("\u00c9") == "\u00c9"
