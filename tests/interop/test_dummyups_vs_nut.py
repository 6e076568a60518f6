"""dummy-ups: ours can stand in for NUT 2.8.0's behind NUT's upsd.

Strategy
--------
The issue's test of interchangeability: for real device dumps of
``shared/ddl/``, Debian's ``/bin/upsc`` prints the same bytes (stdout, stderr,
exit code) whether NUT's upsd serves the dump through NUT's
``/lib/nut/dummy-ups`` or through ours.  For the files without a known
difference, Debian's ``upsrw`` listing (types, string lengths: the flags our
driver copies from NUT's table) and ``upscmd -l`` are compared too.

Both sides run in one sandbox each per batch of 20 devices (one upsd, a
driver per device), started side by side; the clients are Debian's,
called by absolute path (our own ``upsc`` shadows it on PATH).

The selection is deterministic: every 7th file of the sorted corpus (29
manufacturers), plus a few files named for what they exercise.  Known,
intended differences, each asserted exactly rather than skipped:

* ``driver.state``: ours publishes it, as NUT 2.8.1 and later do; 2.8.0 does
  not.  Ours must say ``driver.state: quiet``; the line is then dropped.
* An empty value (``ups.mfr:`` with nothing after it; 58 of the 384 files
  have one): the man page says it removes the variable, and ours does; 2.8.0's
  code reuses the value of the previous line instead.  Such a file must
  differ exactly by those variables (and the ``device.*`` copies of
  ``ups.mfr``/``ups.model``/``ups.serial`` the driver framework makes), with
  2.8.0's values being the previous lines' values.
* A value longer than 127 characters: 2.8.0 builds values in a 128-byte
  buffer and cuts them to 127; ours keeps them whole.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from powerdown.protocol.words import iter_logical_lines
from tests.support.nutpeer import (
    DDL,
    NUT_DUMMY_UPS,
    NUT_UPSC,
    NUT_UPSCMD,
    NUT_UPSD,
    NUT_UPSRW,
    NutServer,
    NutServerError,
    run,
)

OUR_DUMMY_UPS = Path(sys.executable).parent / "dummy-ups"

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        not all(Path(p).exists() for p in (NUT_UPSD[0], NUT_DUMMY_UPS[0], NUT_UPSC, NUT_UPSRW)),
        reason="Debian's NUT 2.8.0 (nut-server, nut-client) is not installed",
    ),
    pytest.mark.skipif(
        not OUR_DUMMY_UPS.exists(),
        reason=f"our dummy-ups console script is not installed at {OUR_DUMMY_UPS}"
        " (pip install -e .)",
    ),
    pytest.mark.skipif(not DDL.is_dir(), reason=f"no device dump library at {DDL}"),
]

#: NUT 2.8.0's dummy-ups keeps at most this many characters of a value.
NUT280_VALUE_MAX = 127
#: ups.* variables the driver framework copies to device.* after the first poll.
MIRRORED = ("mfr", "model", "serial")
BATCH = 20
SETTLE = 0.1
START_TIMEOUT = 60.0

# Files named for what they exercise, on top of every 7th file.
EXTRA = (
    "APC/APC__Back-UPS_RS_900__usbhid-ups__2.4.1__01.dev",  # a 255-character ups.load
    "Eaton/Eaton__93PM__snmp-ups__2.7.4__02.dev",  # ups.alarm from the file
    "MGE_UPS_SYSTEMS/MGE_UPS_SYSTEMS__Pulsar_1500__mge-shut__2.6.5__01.dev",  # ups.alarm
    "UPSonic/UPSonic__IRT1000__snmp-ups__2.2.1__01.dev",  # three empty values in a row
    "V7/V7__UPS1RM2U1500-1E__blazer_usb__2.7.4__01.dev",  # empty device.mfr, then re-mirrored
    "_nut-samples/epdu-managed.dev",  # NUT's own sample (empty ups.macaddr)
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DevFile:
    """One dump and what NUT 2.8.0 reads differently from the man page in it."""

    rel: str
    path: Path
    empty: tuple[str, ...]  # variables given an empty value
    long: tuple[str, ...]  # variables given a value longer than 127 characters

    @property
    def plain(self) -> bool:
        return not self.empty and not self.long


def _var_lines(data: bytes) -> Iterator[tuple[str, str]]:
    """``(name, value)`` of each line dummy-ups turns into a variable, in file order.

    Read with NUT's tokenizer (quotes, escapes, comments, continuations), and
    skipping what dummy-ups skips: ``TIMER``, ``driver.*`` and ``ups.status``.
    """
    for words in iter_logical_lines(data):
        if words.error or not words.args:
            continue
        head = words.args[0]
        if head.startswith("TIMER"):
            continue
        name = head.partition(":")[0]
        if name.startswith(("driver.", "ups.status")):
            continue
        yield name, " ".join(words.args[1:])


def _devfile(rel: str) -> DevFile:
    path = DDL / rel
    lines = list(_var_lines(path.read_bytes()))
    return DevFile(
        rel=rel,
        path=path,
        empty=tuple(dict.fromkeys(n for n, v in lines if not v)),
        long=tuple(dict.fromkeys(n for n, v in lines if len(v) > NUT280_VALUE_MAX)),
    )


def _select() -> list[DevFile]:
    if not DDL.is_dir():
        return []
    corpus = sorted(p.relative_to(DDL).as_posix() for p in DDL.glob("*/*.dev"))
    chosen = dict.fromkeys([*corpus[::7], *(rel for rel in EXTRA if rel in corpus)])
    return [_devfile(rel) for rel in chosen]


FILES = _select()


def nut280_view(data: bytes, ours: Mapping[str, str]) -> dict[str, str]:
    """What NUT 2.8.0's dummy-ups publishes for a file, given what ours publishes.

    2.8.0 builds each value in one buffer it never clears, so a line with no
    value sets the variable to the previous line's value; and the buffer holds
    127 characters.  Everything else is the same as ours.
    """
    view = {name: value for name, value in ours.items() if name != "driver.state"}
    last: str | None = None
    for name, full in _var_lines(data):
        value = full[:NUT280_VALUE_MAX]
        if value:
            last = value
            if len(full) > NUT280_VALUE_MAX:
                view[name] = value
        else:
            assert last is not None, f"{name} is empty before any value: 2.8.0 reads garbage"
            view[name] = last
    for part in MIRRORED:
        if f"ups.{part}" in view:
            view[f"device.{part}"] = view[f"ups.{part}"]
    return view


# -- running both sides ------------------------------------------------------

Result = tuple[int, str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Seen:
    """One client's output through NUT's driver (``theirs``) and ours."""

    theirs: Result
    ours: Result


def _wait_settled(server: NutServer, upses: Sequence[str], timeout: float) -> None:
    """Wait until upsd serves every UPS's full dump (the harness's rule, all at once).

    A UPS is ready when its status is no longer upsd's ``WAIT`` and two
    snapshots ``SETTLE`` seconds apart agree.
    """
    deadline = time.monotonic() + timeout
    last: dict[str, tuple[str, ...]] = {}
    since: dict[str, float] = {}
    pending = set(upses)
    while pending:
        for ups in sorted(pending):
            snap = server.snapshot(ups)
            now = time.monotonic()
            if snap is None or f'VAR {ups} ups.status "WAIT"' in snap:
                last.pop(ups, None)
            elif snap != last.get(ups):
                last[ups], since[ups] = snap, now
            elif now - since[ups] >= SETTLE:
                pending.discard(ups)
        if not pending:
            return
        if time.monotonic() > deadline:
            raise NutServerError(f"upsd never served {sorted(pending)}\n{server.logs()}")
        time.sleep(0.05)  # a bounded poll interval, not a wait for an event


def _start_pair(
    stack: contextlib.ExitStack, devices: Mapping[str, Path], root: Path
) -> tuple[NutServer, NutServer]:
    """NUT's and our dummy-ups, each behind its own NUT upsd, started side by side."""
    cmds = {"theirs": NUT_DUMMY_UPS, "ours": (str(OUR_DUMMY_UPS),)}
    with ThreadPoolExecutor(len(cmds)) as pool:
        futures = {
            side: pool.submit(
                NutServer,
                devices,
                driver_cmd=cmd,
                upsd_cmd=NUT_UPSD,
                root=root / side,
                wait=False,
                timeout=START_TIMEOUT,
            )
            for side, cmd in cmds.items()
        }
    servers: dict[str, NutServer] = {}
    failure: BaseException | None = None
    for side, future in futures.items():
        try:
            servers[side] = stack.enter_context(future.result())
        except Exception as exc:  # the other side is stopped by the stack
            failure = exc
    if failure is not None:
        raise failure
    for server in servers.values():
        _wait_settled(server, list(devices), START_TIMEOUT)
    return servers["theirs"], servers["ours"]


def _through_both(theirs: NutServer, ours: NutServer, cmd: Sequence[str], ups: str) -> Seen:
    return Seen(
        theirs=run([*cmd, theirs.ups(ups)], env=theirs.env),
        ours=run([*cmd, ours.ups(ups)], env=ours.env),
    )


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Seen]:
    """``(file, client) -> Seen`` for every selected file, in batches of ``BATCH``."""
    out: dict[tuple[str, str], Seen] = {}
    for start in range(0, len(FILES), BATCH):
        batch = {f"ddl{start + i}": f for i, f in enumerate(FILES[start : start + BATCH])}
        root = tmp_path_factory.mktemp(f"dummyups-batch{start // BATCH}")
        with contextlib.ExitStack() as stack:
            theirs, ours = _start_pair(stack, {u: f.path for u, f in batch.items()}, root)
            for ups, f in batch.items():
                out[f.rel, "upsc"] = _through_both(theirs, ours, [NUT_UPSC], ups)
                if f.plain:
                    out[f.rel, "upsrw"] = _through_both(theirs, ours, [NUT_UPSRW], ups)
                    out[f.rel, "upscmd"] = _through_both(theirs, ours, [NUT_UPSCMD, "-l"], ups)
    return out


# -- the comparisons ---------------------------------------------------------


def _parse_upsc(text: str) -> dict[str, str]:
    pairs = (line.split(": ", 1) for line in text.splitlines())
    return {name: value for name, value in pairs}


def _without_driver_state(out: str) -> str:
    """Our upsc output minus the ``driver.state`` line, which must say ``quiet``."""
    lines = out.splitlines(keepends=True)
    state = [line for line in lines if line.startswith("driver.state:")]
    assert state == ["driver.state: quiet\n"]
    return "".join(line for line in lines if not line.startswith("driver.state:"))


def test_selection_spans_the_corpus() -> None:
    assert len(FILES) >= 40
    assert len({f.rel.split("/")[0] for f in FILES}) >= 25
    assert sum(f.plain for f in FILES) >= 40
    assert any(f.empty for f in FILES) and any(f.long for f in FILES)


@pytest.mark.parametrize("dev", FILES, ids=[f.rel for f in FILES])
def test_upsc_through_our_dummyups_equals_nut(
    seen: dict[tuple[str, str], Seen], dev: DevFile
) -> None:
    """Debian's upsc prints the same bytes through our driver as through NUT's."""
    got = seen[dev.rel, "upsc"]
    (rc, out, err), (our_rc, our_out, our_err) = got.theirs, got.ours
    assert (our_rc, our_err) == (rc, err)
    assert rc == 0, err
    ours = _without_driver_state(our_out)
    if dev.plain:
        assert ours == out
        return
    # The intended differences, exactly: NUT 2.8.0 shows what nut280_view says
    # (previous lines' values for empty ones, 127-character cuts), and ours
    # drops each emptied variable (unless the framework copies it back from
    # ups.* to device.*) and keeps long values whole.
    ours_vars = _parse_upsc(ours)
    assert _parse_upsc(out) == nut280_view(dev.path.read_bytes(), ours_vars)
    for name in dev.empty:
        mirror = name.removeprefix("device.") if name.startswith("device.") else None
        if mirror in MIRRORED and f"ups.{mirror}" in ours_vars:
            assert ours_vars[name] == ours_vars[f"ups.{mirror}"]
        else:
            assert name not in ours_vars
    for name in dev.long:
        assert len(ours_vars[name]) > NUT280_VALUE_MAX


@pytest.mark.parametrize("client", ["upsrw", "upscmd"])
@pytest.mark.parametrize("dev", [f for f in FILES if f.plain], ids=lambda f: f.rel)
def test_upsrw_and_upscmd_through_our_dummyups_equal_nut(
    seen: dict[tuple[str, str], Seen], dev: DevFile, client: str
) -> None:
    """Writable variables (type, maximum length) and commands are NUT's, byte for byte."""
    got = seen[dev.rel, client]
    assert got.ours == got.theirs
    rc, out, _ = got.theirs
    assert rc == 0
    if client == "upsrw":
        assert "[ups.status]\nUPS status\nType: STRING\nMaximum length: 32\n" in out
    else:
        assert "load.off - Turn off the load immediately\n" in out
