"""Benchmark: how fast NUT 2.8.0's upsmon and ours react to a power failure, in one run.

Usage::

    python bench/upsmon_bench.py [--secondaries 1,10,100] [--repeat 3] [--quick]
                                 [--upsd ours[,nut]] [--no-split] [--json FILE]

What runs
    For every run, a fresh server side (``tests/support/nutpeer.py``
    ``NutServer``): our ``dummy-ups`` serving a small ``.dev`` (``OL``,
    ``pollinterval = 1``; our driver, like NUT's, takes whole seconds only)
    behind our upsd on a free 127.0.0.1 port (``--upsd nut`` adds a second
    table behind NUT's ``/lib/nut/upsd``). Then one primary upsmon and N
    secondaries, all NUT's ``/lib/nut/upsmon`` or all ours
    (``python -m powerdown.cli.upsmon``), through
    ``tests/support/upsmonpeer.py``: each in its own config directory, with
    the same ``upsmon.conf`` (POLLFREQ 1, POLLFREQALERT 1, FINALDELAY 0,
    HOSTSYNC 30, DEADTIME 15, NOTIFYFLAG SYSLOG+EXEC for every type), a
    NOTIFYCMD and a SHUTDOWNCMD that append ``date +%s.%N`` to a file, and
    a ``wall`` stub. Both implementations run the same way: as ``nobody``
    (NUT's upsmon as root would write ``/run/nut/upsmon.pid``; ours as
    ``nobody`` runs from the system python with a world-readable copy of
    the package, so without uvloop), with ``-F`` only (no debug output),
    split into a monitor and a parent that runs SHUTDOWNCMD unless
    ``--no-split`` passes ``-p`` to both.

What is measured
    Once upsd counts all N+1 logins (NUMLOGINS) and every upsmon has had
    time for its first polls, the ``.dev`` is replaced (atomically) with
    ``OB``; when every upsmon has notified ONBATT, with ``OB LB``. For each
    change there are two start times: when we wrote the file, and when upsd
    first served the new status to our own poller (one ``GET VAR`` every
    5 ms on a connection of its own). The driver's poll, up to a second,
    lies between the two and is the same for both upsmons, so the tables
    count from upsd; the write-to-serve delay is reported on its own.

    - ONBATT: the NOTIFYCMD timestamp of every upsmon (N+1 per run);
    - secondary SHUTDOWNCMD after ``OB LB``: the primary has to see LB and
      set FSD, then each secondary has to see FSD;
    - primary SHUTDOWNCMD after ``OB LB``: the primary waits until the
      secondaries have logged out (or HOSTSYNC ran out) before its own;
      we also count the secondaries whose SHUTDOWNCMD came later still;
    - a secondary's FSD notification to its SHUTDOWNCMD: the one figure
      free of poll phases, the time the program takes to act on what it
      has just seen (both ends are shell timestamps, so alike for both).

    Figures are pooled over the repeats: median, 90th percentile, maximum.
    Memory: VmRSS and PSS (``/proc/<pid>/smaps_rollup``, shared pages
    divided among their users) of each monitor and each parent, once all are
    logged in; CPU: what all upsmons together used while idle and polling,
    and how busy the whole machine was from ``OB LB`` to the primary's
    SHUTDOWNCMD. Each run also records every upsmon's notifications (in
    the order its NOTIFYCMD shells wrote them: they run concurrently), how
    it ended, and its log, whose order is the program's own; so the two
    implementations are compared for behaviour and not only for speed.

Poll phases
    Both upsmons poll, so each figure is mostly where in its POLLFREQ a
    process happened to be when upsd changed. Each upsmon is started at a
    random moment within one POLLFREQ (``--seed``), as on separate
    machines: started together, NUT's (up in a millisecond) would poll in
    step and make every run all-early or all-late. Within a run the
    secondaries still share the primary's phase, so for the shutdown
    figures the number of runs counts more than N.

Noise
    Runs alternate (ours, NUT, ours, NUT ...) per N, each with fresh
    processes. Nothing is pinned: N+1 monitors and parents, their notifier
    shells, upsd and the driver share the machine, and so does anything
    else running on it; the resources table shows how busy the rest of the
    machine was while the upsmons idled, to tell a quiet run from a noisy
    one. N secondaries on one small machine is harsher than N machines.

Everything we start is stopped by its pid (upsmons: monitor, then parent;
then upsd and the driver), also on Ctrl-C, SIGTERM or an error. ``--quick``
(N=1, one run each) takes about 15 s; the default run (N=1,10,100, three
runs each) about 4 minutes per upsd on two cores.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.support.nutpeer import (  # noqa: E402
    NUT_UPSD,
    OUR_DUMMY_UPS,
    OUR_UPSD,
    NutServer,
)
from tests.support.upsmonpeer import (  # noqa: E402
    NUT_UPSMON,
    Sandbox,
    UpsmonProcess,
    build_unprivileged_python,
    numlogins,
    primary,
    secondary,
    upsmon_users,
)

UPS = "bench"
RUN_AS = "nobody"
POLLFREQ = 1
HOSTSYNC = 30
DEADTIME = 15
SERVED_POLL = 0.005  # our own poller's period while it waits for a change
# How often we read the upsmons' output files while they react: the times
# come from the files, so this only has to be cheap, not quick.
EVENT_POLL = 0.2
SETTLE = 2.5  # after all logins: every upsmon has polled OL at least twice
STARTERS = 16  # upsmons stopped at once
BANNER = "Network UPS Tools upsmon"
DEV = """\
device.mfr: Bench
device.model: Reaction
ups.mfr: Bench
ups.model: Reaction
battery.charge: {charge}
battery.runtime: {runtime}
input.voltage: {voltage}
ups.status: {status}
"""
STATES = {
    "OL": {"charge": 100, "runtime": 1800, "voltage": 230},
    "OB": {"charge": 60, "runtime": 900, "voltage": 0},
    "OB LB": {"charge": 10, "runtime": 60, "voltage": 0},
}


class _Interrupted(Exception):
    pass


def _on_signal(signum: int, _frame: object) -> None:
    raise _Interrupted(signal.Signals(signum).name)


# --- small measurements ------------------------------------------------------


def _proc_mem(pid: int | None) -> dict[str, int]:
    """VmRSS (status) and Pss (smaps_rollup) of ``pid`` in KiB; empty if gone."""
    out: dict[str, int] = {}
    if pid is None:
        return out
    for name, keys in (("status", ("VmRSS",)), ("smaps_rollup", ("Pss",))):
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in keys:
                    out[key] = int(value.split()[0])
    return out


def _cpu_ticks(pid: int | None) -> int:
    if pid is None:
        return 0
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _pct(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..1) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 1))))
    return ordered[rank - 1]


def _stats(values: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "median": statistics.median(values) if values else None,
        "p90": _pct(values, 0.9),
        "max": max(values) if values else None,
    }


class StatusPoller:
    """Our own fast client: when does upsd first serve a new ``ups.status``?"""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.request = f"GET VAR {UPS} ups.status\n".encode()

    def status(self) -> str:
        self.sock.sendall(self.request)
        while b"\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                raise ConnectionError("upsd closed our poller's connection")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        text = line.decode(errors="replace")
        prefix = f'VAR {UPS} ups.status "'
        return text[len(prefix) : -1] if text.startswith(prefix) else text

    def wait_for(self, status: str, timeout: float = 10.0) -> float:
        """The wall-clock time at which ``status`` was first served.

        Any status with all of its words counts: a quick primary may have
        set FSD before our next look (``FSD OB LB``).
        """
        deadline = time.monotonic() + timeout
        want = set(status.split())
        while True:
            if want <= set(self.status().split()):
                return time.time()
            if time.monotonic() > deadline:
                raise TimeoutError(f"upsd did not serve {status!r} within {timeout} s")
            time.sleep(SERVED_POLL)  # the poller's period, not a wait for an event

    def close(self) -> None:
        self.sock.close()


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (all CPUs, /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return 0.0
    ticks = [int(f) for f in fields]
    busy = sum(ticks[:8]) - ticks[3] - ticks[4]  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def _poll(ready: Callable[[], bool], timeout: float, what: str, every: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)  # a bounded poll interval


# --- one run -----------------------------------------------------------------


@dataclass
class Impl:
    label: str  # "NUT" / "ours"
    cmd: tuple[str, ...]


@dataclass
class Run:
    impl: str
    upsd: str
    secondaries: int
    rep: int
    ok: bool = False
    error: str | None = None
    startup_s: float | None = None
    served_delay_ob: float | None = None
    served_delay_lb: float | None = None
    onbatt: list[float] = field(default_factory=list)  # from upsd serving OB
    onbatt_from_write: list[float] = field(default_factory=list)
    shutdown_secondary: list[float] = field(default_factory=list)  # from upsd serving OB LB
    shutdown_secondary_from_write: list[float] = field(default_factory=list)
    shutdown_primary: float | None = None
    fsd_to_shutdowncmd: list[float] = field(default_factory=list)  # per secondary
    secondaries_after_primary: int | None = None  # SHUTDOWNCMD later than the primary's
    shutdown_primary_from_write: float | None = None
    missing: dict[str, list[str]] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)  # "role: T1 T2 ..." -> count
    startup_events: dict[str, int] = field(default_factory=dict)
    shutdown_counts: dict[str, int] = field(default_factory=dict)
    ended: dict[str, int] = field(default_factory=dict)  # how the processes ended
    log_lines: dict[str, int] = field(default_factory=dict)
    log_sequences: dict[str, int] = field(default_factory=dict)
    mem_kib: dict[str, list[int]] = field(default_factory=dict)
    idle_cpu_pct: float | None = None
    background_pct: float | None = None  # whole machine but the upsmons, while idle
    lb_busy_pct: float | None = None  # whole machine, OB LB written -> primary's SHUTDOWNCMD


def _dev_text(status: str) -> str:
    return DEV.format(status=status, **STATES[status])


def _set_status(dev: Path, status: str) -> float:
    """Replace ``dev`` atomically (the driver never reads half a file); when."""
    tmp = dev.with_name(dev.name + ".new")
    tmp.write_text(_dev_text(status))
    stamp = time.time()
    os.replace(tmp, dev)
    return stamp


def _normalize(line: str) -> str:
    """A log line without paths or numbers, so that runs and processes count together."""
    line = re.sub(r"/tmp/upsmon-bench-[^/\s]+/", "<sandbox>/", line.strip())
    line = re.sub(r"\bsec\d+", "<secondary>", line)
    return re.sub(r"\d+(\.\d+)?", "#", line)


class _Quiet:
    """True once the files in ``out`` have not grown for ``QUIET`` seconds."""

    QUIET = 0.5

    def __init__(self, out: Path) -> None:
        self.out = out
        self.size = -1
        self.since = time.monotonic()

    def __call__(self) -> bool:
        size = sum(p.stat().st_size for p in self.out.glob("*.*") if p.is_file())
        now = time.monotonic()
        if size != self.size:
            self.size, self.since = size, now
        return now - self.since >= self.QUIET


class Scenario:
    """One server plus N+1 upsmons of one implementation; stops all of it."""

    def __init__(
        self,
        impl: Impl,
        upsd: tuple[str, tuple[str, ...]],
        n: int,
        rep: int,
        *,
        split: bool,
        seed: int,
    ) -> None:
        self.impl = impl
        self.seed = seed
        self.upsd_label, self.upsd_cmd = upsd
        self.n = n
        self.split = split
        self.run = Run(impl=impl.label, upsd=self.upsd_label, secondaries=n, rep=rep)
        self.server: NutServer | None = None
        self.box: Sandbox | None = None
        self.mons: list[UpsmonProcess] = []

    @property
    def primary(self) -> UpsmonProcess:
        return self.mons[0]

    @property
    def secondaries(self) -> list[UpsmonProcess]:
        return self.mons[1:]

    def _role(self, mon: UpsmonProcess) -> str:
        return "primary" if mon is self.primary else "secondary"

    def execute(self) -> Run:
        try:
            self._measure()
            self.run.ok = True
        except (TimeoutError, RuntimeError, OSError) as exc:
            self.run.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
            print(f"  {self.impl.label}: {self.run.error}", file=sys.stderr)
            if self.mons:
                tail = self.primary.log()[-1500:]
                print(f"  primary's log (tail):\n{tail}", file=sys.stderr)
        finally:
            try:
                with contextlib.suppress(Exception):
                    self._observe()
            finally:
                self.stop()
        return self.run

    def _measure(self) -> None:
        dev_src = Path(tempfile.mkdtemp(prefix="upsmon-bench-dev-")) / f"{UPS}.dev"
        dev_src.write_text(_dev_text("OL"))
        try:
            self.server = NutServer(
                {UPS: dev_src},
                users=upsmon_users(),
                upsd_cmd=self.upsd_cmd,
                driver_cmd=OUR_DUMMY_UPS,
                driver_options={UPS: {"pollinterval": "1"}},
                extra_upsd_conf="MAXCONN 1024\n" if self.upsd_label == "NUT" else "",
            )
        finally:
            dev_src.unlink()
            dev_src.parent.rmdir()
        server = self.server
        dev = server.dir / f"{UPS}.dev"
        system = f"{UPS}@127.0.0.1:{server.port}"
        self.box = Sandbox(prefix="upsmon-bench-")
        flags = ("-F",) if self.split else ("-F", "-p")
        common: dict[str, Any] = {
            "pollfreq": POLLFREQ,
            "pollfreqalert": POLLFREQ,
            "hostsync": HOSTSYNC,
            "deadtime": DEADTIME,
            "finaldelay": 0,
            "impl_cmd": self.impl.cmd,
            "run_as": RUN_AS,
            "flags": flags,
        }
        self.mons = [UpsmonProcess(self.box, "primary", [primary(system)], **common)]
        self.mons += [
            UpsmonProcess(self.box, f"sec{i:03d}", [secondary(system)], **common)
            for i in range(self.n)
        ]
        # Each upsmon starts at a random moment within one POLLFREQ, so its
        # polls have a phase of their own, as on separate machines; started
        # together, NUT's (which start in a millisecond) would poll in step
        # and see the primary's FSD all a whole period late, or all at once.
        rng = random.Random(f"{self.seed}/{self.n}/{self.run.rep}")
        offsets = [rng.uniform(0.0, POLLFREQ) for _ in self.mons]
        t_start = time.monotonic()

        def launch(mon: UpsmonProcess, offset: float) -> None:
            delay = t_start + offset - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # this upsmon's random phase
            mon.start(timeout=180.0)

        with ThreadPoolExecutor(len(self.mons)) as pool:
            list(pool.map(launch, self.mons, offsets))
        want = self.n + 1
        _poll(
            lambda: numlogins(server, UPS) >= want,
            60.0 + 1.0 * self.n,
            f"NUMLOGINS {want} (have {numlogins(server, UPS)})",
        )
        self.run.startup_s = time.monotonic() - t_start
        pids = [p for m in self.mons for p in {m.pid, m.monitor_pid} if p is not None]
        ticks0, busy0, t0 = sum(_cpu_ticks(p) for p in pids), _machine_busy(), time.monotonic()
        time.sleep(SETTLE)  # let every upsmon poll OL a few times (a measured idle window)
        ticks1, busy1, t1 = sum(_cpu_ticks(p) for p in pids), _machine_busy(), time.monotonic()
        upsmons = (ticks1 - ticks0) / os.sysconf("SC_CLK_TCK")
        self.run.idle_cpu_pct = 100.0 * upsmons / (t1 - t0)
        # What else kept the machine busy meanwhile (upsd, driver, anyone else's work).
        self.run.background_pct = (
            100.0 * max(0.0, busy1 - busy0 - upsmons) / (t1 - t0) / (os.cpu_count() or 1)
        )
        for mon in self.mons:
            if not mon.alive():
                raise RuntimeError(f"{mon.name} exited before the outage\n{mon.log()[-1500:]}")
            role = self._role(mon)
            monitor_mem = _proc_mem(mon.monitor_pid)
            for key, value in monitor_mem.items():
                self.run.mem_kib.setdefault(f"{role} monitor {key}", []).append(value)
            if mon.split and mon.pid != mon.monitor_pid:
                for key, value in _proc_mem(mon.pid).items():
                    self.run.mem_kib.setdefault(f"{role} parent {key}", []).append(value)
        self.t_before = time.time()

        poller = StatusPoller(server.port)
        try:
            # Power fails: OB.
            t_write = _set_status(dev, "OB")
            t_served = poller.wait_for("OB")
            self.run.served_delay_ob = t_served - t_write
            onbatt = self._wait_all(self.mons, "ONBATT", t_write, 15.0)
            self.run.onbatt = [t - t_served for t in onbatt.values()]
            self.run.onbatt_from_write = [t - t_write for t in onbatt.values()]
            # Battery low: OB LB.
            t_write = _set_status(dev, "OB LB")
            t_served = poller.wait_for("OB LB")
            busy0, w0 = _machine_busy(), time.monotonic()
            self.run.served_delay_lb = t_served - t_write
        finally:
            poller.close()
        shut = self._wait_shutdowns(self.secondaries, t_write, 30.0)
        self.run.shutdown_secondary = [t - t_served for t in shut.values()]
        self.run.shutdown_secondary_from_write = [t - t_write for t in shut.values()]
        prim = self._wait_shutdowns([self.primary], t_write, HOSTSYNC + 30.0)
        self.run.shutdown_primary = prim["primary"] - t_served
        self.run.shutdown_primary_from_write = prim["primary"] - t_write
        self.run.lb_busy_pct = (
            100.0 * (_machine_busy() - busy0) / (time.monotonic() - w0) / (os.cpu_count() or 1)
        )
        self.run.secondaries_after_primary = sum(t > prim["primary"] for t in shut.values())
        # Give them the chance to finish as they would (log out, exit), and
        # their last notifier shells the time to write.
        with contextlib.suppress(TimeoutError):
            _poll(lambda: not any(m.alive() for m in self.mons), 5.0, "upsmons to exit")
        with contextlib.suppress(TimeoutError):
            _poll(_Quiet(self.box.out), 5.0, "the notifiers to finish")
        # Free of poll phases: from a secondary's FSD notification (it has just
        # seen FSD) to its SHUTDOWNCMD; both timestamps come from a shell.
        for mon in self.secondaries:
            fsd = [e.time for e in mon.events() if e.type == "FSD" and e.time >= t_write]
            if fsd and mon.name in shut:
                self.run.fsd_to_shutdowncmd.append(shut[mon.name] - fsd[0])

    def _wait_all(
        self, mons: Sequence[UpsmonProcess], ntype: str, since: float, timeout: float
    ) -> dict[str, float]:
        found: dict[str, float] = {}

        def ready() -> bool:
            for mon in mons:
                if mon.name not in found:
                    for ev in mon.events():
                        if ev.type == ntype and ev.time >= since:
                            found[mon.name] = ev.time
                            break
            return len(found) == len(mons)

        try:
            _poll(ready, timeout, f"{ntype} from {len(mons)} upsmons", EVENT_POLL)
        except TimeoutError:
            self.run.missing[ntype] = sorted(m.name for m in mons if m.name not in found)
            raise
        return found

    def _wait_shutdowns(
        self, mons: Sequence[UpsmonProcess], since: float, timeout: float
    ) -> dict[str, float]:
        found: dict[str, float] = {}

        def ready() -> bool:
            for mon in mons:
                if mon.name not in found:
                    after = [t for t in mon.shutdowns() if t >= since]
                    if after:
                        found[mon.name] = after[0]
            return len(found) == len(mons)

        try:
            _poll(ready, timeout, f"SHUTDOWNCMD from {len(mons)} upsmons", EVENT_POLL)
        except TimeoutError:
            self.run.missing["SHUTDOWNCMD"] = sorted(m.name for m in mons if m.name not in found)
            raise
        return found

    def _observe(self) -> None:
        """What each upsmon did: event order, SHUTDOWNCMD count, how it ended, its log."""
        since = getattr(self, "t_before", None)
        for mon in self.mons:
            role = self._role(mon)
            events = mon.events()
            before = [e.type for e in events if since is not None and e.time < since]
            during = [e.type for e in events if since is None or e.time >= since]
            key = f"{role}: {' '.join(during) or '(none)'}"
            self.run.sequences[key] = self.run.sequences.get(key, 0) + 1
            if before:
                k = f"{role}: {' '.join(before)}"
                self.run.startup_events[k] = self.run.startup_events.get(k, 0) + 1
            k = f"{role}: {len(mon.shutdowns())}"
            self.run.shutdown_counts[k] = self.run.shutdown_counts.get(k, 0) + 1
            state = "still running" if mon.alive() else "exited"
            popen = mon._popen
            if popen is not None and popen.poll() is not None:
                state += f" (rc {popen.returncode})"
            k = f"{role}: {state}"
            self.run.ended[k] = self.run.ended.get(k, 0) + 1
            said = [_normalize(line) for line in mon.log().splitlines()[1:] if line.strip()]
            for line in said:
                k = f"{role}: {line}"
                self.run.log_lines[k] = self.run.log_lines.get(k, 0) + 1
            # The banner may come more than once: NUT's stdout is a file here, so
            # each forked notifier flushes its copy of the buffer on exit.
            k = f"{role}: " + " | ".join(line for line in said if not line.startswith(BANNER))
            self.run.log_sequences[k] = self.run.log_sequences.get(k, 0) + 1

    def stop(self) -> None:
        try:
            with ThreadPoolExecutor(STARTERS) as pool:
                list(pool.map(_stop_quietly, self.mons))
        finally:
            if self.server is not None:
                self.server.stop()
            if self.box is not None:
                self.box.cleanup()


def _stop_quietly(mon: UpsmonProcess) -> None:
    with contextlib.suppress(Exception):
        mon.stop()


# --- report ------------------------------------------------------------------


def _pool(runs: Sequence[Run], attr: str) -> list[float]:
    out: list[float] = []
    for r in runs:
        v = getattr(r, attr)
        if isinstance(v, list):
            out += v
        elif v is not None:
            out.append(v)
    return out


METRICS = (
    ("ONBATT notification", "onbatt"),
    ("secondary SHUTDOWNCMD", "shutdown_secondary"),
    ("primary SHUTDOWNCMD", "shutdown_primary"),
)


def _ms(v: float | None) -> str:
    return "n/a" if v is None else f"{v * 1e3:.0f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def summarize(runs: Sequence[Run], upsd: str, ns: Sequence[int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in ns:
        cell: dict[str, Any] = {}
        for impl in ("NUT", "ours"):
            mine = [r for r in runs if r.upsd == upsd and r.secondaries == n and r.impl == impl]
            ok = [r for r in mine if r.ok]
            entry: dict[str, Any] = {"runs": len(mine), "ok": len(ok)}
            for _, attr in METRICS:
                entry[attr] = _stats(_pool(ok, attr))
                entry[attr + "_from_write"] = _stats(_pool(ok, attr + "_from_write"))
            entry["served_delay"] = _stats(
                _pool(ok, "served_delay_ob") + _pool(ok, "served_delay_lb")
            )
            mem: dict[str, list[int]] = {}
            for r in mine:
                for key, values in r.mem_kib.items():
                    mem.setdefault(key, []).extend(values)
            entry["mem_kib_median"] = {k: statistics.median(v) for k, v in sorted(mem.items())}
            cpu = [r.idle_cpu_pct for r in mine if r.idle_cpu_pct is not None]
            entry["idle_cpu_pct"] = statistics.median(cpu) if cpu else None
            entry["fsd_to_shutdowncmd"] = _stats(_pool(ok, "fsd_to_shutdowncmd"))
            entry["secondaries_after_primary"] = [r.secondaries_after_primary for r in ok]
            bg = [r.background_pct for r in mine if r.background_pct is not None]
            entry["background_pct"] = statistics.median(bg) if bg else None
            busy = [r.lb_busy_pct for r in mine if r.lb_busy_pct is not None]
            entry["lb_busy_pct"] = statistics.median(busy) if busy else None
            startup = [r.startup_s for r in mine if r.startup_s is not None]
            entry["startup_s"] = statistics.median(startup) if startup else None
            entry["errors"] = [r.error for r in mine if r.error]
            cell[impl] = entry
        out[str(n)] = cell
    return out


def render(summary: dict[str, Any], upsd: str, header: str) -> str:
    whose = "our" if upsd == "ours" else f"{upsd}'s"
    lines = [f"### upsmon reaction behind {whose} upsd", "", header, ""]
    lines.append(
        "| from upsd serving the status to | N | NUT median | NUT p90 | NUT max "
        "| ours median | ours p90 | ours max | ours/NUT median | samples NUT/ours |"
    )
    lines.append("|" + "---|" * 10)
    for n, cell in summary.items():
        for title, attr in METRICS:
            a, b = cell["NUT"][attr], cell["ours"][attr]
            lines.append(
                f"| {title} (ms) | {n} | {_ms(a['median'])} | {_ms(a['p90'])} | {_ms(a['max'])} "
                f"| {_ms(b['median'])} | {_ms(b['p90'])} | {_ms(b['max'])} "
                f"| {_ratio(b['median'], a['median'])} | {a['n']}/{b['n']} |"
            )
    for n, cell in summary.items():
        a, b = cell["NUT"]["fsd_to_shutdowncmd"], cell["ours"]["fsd_to_shutdowncmd"]
        lines.append(
            f"| secondary: its FSD notification → its SHUTDOWNCMD (ms, no poll wait) | {n} "
            f"| {_ms(a['median'])} | {_ms(a['p90'])} | {_ms(a['max'])} "
            f"| {_ms(b['median'])} | {_ms(b['p90'])} | {_ms(b['max'])} "
            f"| {_ratio(b['median'], a['median'])} | {a['n']}/{b['n']} |"
        )
    lines += ["", "Secondaries whose SHUTDOWNCMD ran after the primary's, per run:", ""]
    for n, cell in summary.items():
        lines.append(
            f"- N={n}: NUT {cell['NUT']['secondaries_after_primary']}, "
            f"ours {cell['ours']['secondaries_after_primary']}"
        )
    lines += ["", "Same, counted from our write of the `.dev` (adds the driver's poll):", ""]
    lines.append("| from the .dev write to | N | NUT median | NUT max | ours median | ours max |")
    lines.append("|" + "---|" * 6)
    for n, cell in summary.items():
        for title, attr in METRICS:
            a, b = cell["NUT"][attr + "_from_write"], cell["ours"][attr + "_from_write"]
            lines.append(
                f"| {title} (ms) | {n} | {_ms(a['median'])} | {_ms(a['max'])} "
                f"| {_ms(b['median'])} | {_ms(b['max'])} |"
            )
        a, b = cell["NUT"]["served_delay"], cell["ours"]["served_delay"]
        lines.append(
            f"| (driver → upsd: write to served) | {n} | {_ms(a['median'])} | {_ms(a['max'])} "
            f"| {_ms(b['median'])} | {_ms(b['max'])} |"
        )
    lines += ["", "Resources, once all are logged in (medians over processes and runs):", ""]
    lines.append("| N | | NUT RSS MiB | ours RSS MiB | NUT PSS MiB | ours PSS MiB |")
    lines.append("|" + "---|" * 6)
    for n, cell in summary.items():
        kinds = sorted(
            {k.rsplit(" ", 1)[0] for impl in ("NUT", "ours") for k in cell[impl]["mem_kib_median"]}
        )
        for kind in kinds:

            def mib(impl: str, key: str, kind: str = kind, cell: dict[str, Any] = cell) -> str:
                v = cell[impl]["mem_kib_median"].get(f"{kind} {key}")
                return "n/a" if v is None else f"{v / 1024:.1f}"

            lines.append(
                f"| {n} | {kind} | {mib('NUT', 'VmRSS')} | {mib('ours', 'VmRSS')} "
                f"| {mib('NUT', 'Pss')} | {mib('ours', 'Pss')} |"
            )
        a, b = cell["NUT"], cell["ours"]
        cpu_a = "n/a" if a["idle_cpu_pct"] is None else f"{a['idle_cpu_pct']:.1f}"
        cpu_b = "n/a" if b["idle_cpu_pct"] is None else f"{b['idle_cpu_pct']:.1f}"
        lines.append(f"| {n} | all upsmons, idle CPU % of one core | {cpu_a} | {cpu_b} | | |")
        bz_a = "n/a" if a["lb_busy_pct"] is None else f"{a['lb_busy_pct']:.0f}"
        bz_b = "n/a" if b["lb_busy_pct"] is None else f"{b['lb_busy_pct']:.0f}"
        lines.append(
            f"| {n} | whole machine busy from OB LB served to the primary's SHUTDOWNCMD, % "
            f"| {bz_a} | {bz_b} | | |"
        )
        bg_a = "n/a" if a["background_pct"] is None else f"{a['background_pct']:.0f}"
        bg_b = "n/a" if b["background_pct"] is None else f"{b['background_pct']:.0f}"
        lines.append(
            f"| {n} | rest of the machine busy while the upsmons idled, % (noise check) "
            f"| {bg_a} | {bg_b} | | |"
        )
        st_a = "n/a" if a["startup_s"] is None else f"{a['startup_s']:.1f}"
        st_b = "n/a" if b["startup_s"] is None else f"{b['startup_s']:.1f}"
        lines.append(f"| {n} | start to NUMLOGINS=N+1, s | {st_a} | {st_b} | | |")
    for n, cell in summary.items():
        for impl in ("NUT", "ours"):
            e = cell[impl]
            if e["ok"] != e["runs"]:
                lines.append(
                    f"\n- N={n} {impl}: {e['ok']}/{e['runs']} runs complete: {e['errors']}"
                )
    return "\n".join(lines)


def render_behaviour(runs: Sequence[Run]) -> str:
    """What each implementation did, counted over all its runs."""
    lines = ["### Behaviour (counted over all runs and processes)", ""]
    for impl in ("NUT", "ours"):
        mine = [r for r in runs if r.impl == impl]
        if not mine:
            continue
        lines.append(f"**{impl}**")
        for title, attr in (
            (
                "notifications from the outage on, in the order the NOTIFYCMD shells wrote them",
                "sequences",
            ),
            ("notifications before the outage", "startup_events"),
            ("SHUTDOWNCMD runs per process", "shutdown_counts"),
            ("state at the end", "ended"),
        ):
            total: Counter[str] = Counter()
            for r in mine:
                total.update(getattr(r, attr))
            lines.append(f"- {title}:")
            lines += [f"    - {count} × `{key}`" for key, count in total.most_common()] or [
                "    - none"
            ]
        total = Counter()
        for r in mine:
            total.update(r.log_sequences)
        lines.append("- its log, line by line (numbers as #), distinct sequences:")
        for key, count in total.most_common():
            role, _, seq = key.partition(": ")
            lines.append(f"    - {count} × {role}:")
            lines += [f"        1. `{step}`" for step in seq.split(" | ") if step]
        lines.append("")
    return "\n".join(lines)


# --- main ----------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--secondaries", default="1,10,100", help="comma-separated N")
    p.add_argument("--repeat", type=int, default=3, help="runs per implementation and N")
    p.add_argument("--quick", action="store_true", help="N=1, one run each (under a minute)")
    p.add_argument("--upsd", default="ours", help="comma-separated: ours, nut (one table per upsd)")
    p.add_argument("--no-split", action="store_true", help="pass -p to both upsmons")
    p.add_argument("--json", type=Path, help="also write the JSON document to this file")
    p.add_argument("--seed", type=int, default=0, help="for the upsmons' random start phases")
    p.add_argument("--nut-upsmon", default=NUT_UPSMON[0])
    args = p.parse_args(argv)
    if args.quick:
        args.secondaries, args.repeat = "1", 1
    try:
        args.ns = [int(n) for n in args.secondaries.split(",") if n]
    except ValueError:
        p.error("--secondaries takes comma-separated integers")
    if not args.ns or any(n < 0 for n in args.ns) or args.repeat < 1:
        p.error("--secondaries must be >= 0, --repeat >= 1")
    args.upsds = [u.strip().lower() for u in args.upsd.split(",") if u.strip()]
    if not args.upsds or any(u not in ("ours", "nut") for u in args.upsds):
        p.error("--upsd takes ours and/or nut")
    if os.geteuid() != 0:
        p.error("run as root: both upsmons run as 'nobody' through setpriv")
    return args


def _revision() -> str:
    """The commit our upsmon was copied from, ``+dirty`` if powerdown/ had changes."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "powerdown"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


@contextlib.contextmanager
def _signals() -> Iterator[None]:
    old = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    upsds = {"ours": ("ours", tuple(OUR_UPSD)), "nut": ("NUT", tuple(NUT_UPSD))}
    work = Path(tempfile.mkdtemp(prefix="upsmon-bench-python-"))
    runs: list[Run] = []
    interrupted: str | None = None
    python = work / "venv" / "bin" / "python"
    revision = _revision()  # read before the copy, so that it describes what ran
    try:
        with _signals():
            print("building an interpreter 'nobody' can run ...", file=sys.stderr)
            python = build_unprivileged_python(work)
            impls = [
                Impl("ours", (str(python), "-m", "powerdown.cli.upsmon")),
                Impl("NUT", (args.nut_upsmon,)),
            ]
            for upsd_key in args.upsds:
                for n in args.ns:
                    for rep in range(args.repeat):
                        for impl in impls:
                            print(
                                f"upsd {upsds[upsd_key][0]}, N={n}, run {rep + 1}/{args.repeat}: "
                                f"{impl.label} ...",
                                file=sys.stderr,
                            )
                            scenario = Scenario(
                                impl,
                                upsds[upsd_key],
                                n,
                                rep,
                                split=not args.no_split,
                                seed=args.seed,
                            )
                            runs.append(scenario.execute())
    except (KeyboardInterrupt, _Interrupted) as exc:
        interrupted = str(exc) or "SIGINT"
        print(
            f"interrupted ({interrupted}); everything was stopped; "
            f"reporting the {len(runs)} complete run(s)",
            file=sys.stderr,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    mode = "split (monitor + parent)" if not args.no_split else "not split (-p)"
    header = (
        f"Both upsmons run as `{RUN_AS}` with `-F`, {mode}; POLLFREQ {POLLFREQ}, "
        f"POLLFREQALERT {POLLFREQ}, FINALDELAY 0, HOSTSYNC {HOSTSYNC}, DEADTIME {DEADTIME}; "
        f"driver: our dummy-ups, pollinterval 1; {args.repeat} run(s) per cell, pooled. "
        f"Times in ms. NUT = `{args.nut_upsmon}` (2.8.0); ours = "
        f"`{shlex.join([str(python), '-m', 'powerdown.cli.upsmon'])}` (asyncio, no uvloop) "
        f"at {revision}."
    )
    doc: dict[str, Any] = {
        "settings": {
            "run_as": RUN_AS,
            "split": not args.no_split,
            "pollfreq": POLLFREQ,
            "pollfreqalert": POLLFREQ,
            "finaldelay": 0,
            "hostsync": HOSTSYNC,
            "deadtime": DEADTIME,
            "driver_pollinterval": 1,
            "repeat": args.repeat,
            "secondaries": args.ns,
            "cpus": os.cpu_count(),
            "powerdown_revision": revision,
        },
        "interrupted": interrupted,
        "summary": {},
        "runs": [vars(r) for r in runs],
    }
    out = ["## upsmon: NUT 2.8.0 vs powerdown, reaction to a power failure", ""]
    for upsd_key in args.upsds:
        label = upsds[upsd_key][0]
        summary = summarize(runs, label, args.ns)
        doc["summary"][label] = summary
        out += [render(summary, label, header), ""]
    out.append(render_behaviour(runs))
    print("\n".join(out))
    text = json.dumps(doc, indent=2, sort_keys=False)
    print("```json\n" + text + "\n```")
    if args.json:
        args.json.write_text(text + "\n")
    return 130 if interrupted else 0


if __name__ == "__main__":
    raise SystemExit(main())
