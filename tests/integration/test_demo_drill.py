"""``./run demo``: the power-failure drill, run as a user runs it.

The demo starts our dummy-ups, upsd and three upsmon processes (one primary,
two secondaries) in a sandbox and plays OL -> OB -> OB LB. What the user
reads is the timeline and the summary; this test reads the same output.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

HOSTS = ("host-a", "host-b", "host-c")
# "   +6.4s  host-a  FSD                UPS demo@127.0.0.1:40335: forced shutdown ..."
TIMELINE = re.compile(r"^\s+([+-]\d+\.\d)s  (\S+)\s+(\S+)")
# "   -3.0s  UPS     OL                 on line power; ..."
UPS_STEP = re.compile(r"^\s+[+-]\d+\.\ds  UPS\s+(\S+(?: \S+)*)  ")
STARTED = re.compile(r"^started .*")
PID = re.compile(r"pid (\d+)")


def _still_ours(pid: int, sandbox: str) -> bool:
    """The pid runs and is still one of the demo's (not a recycled pid)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read().decode(errors="replace")
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z" and ("powerdown" in cmdline or sandbox in cmdline)


def _mentioning(sandbox: str) -> list[str]:
    """Every live process whose command line names the sandbox (NOTIFYCMD children too)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if sandbox in cmdline:
            found.append(f"{entry}: {cmdline}")
    return found


def test_demo_drill_prints_the_shutdown_sequence_and_leaves_nothing_behind() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "powerdown.demo", "--step", "1"],
        capture_output=True,
        text=True,
        timeout=100,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    lines = out.splitlines()

    events = [
        (i, m.group(2), m.group(3), float(m.group(1)))
        for i, line in enumerate(lines)
        if (m := TIMELINE.match(line))
    ]
    seen = {(who, kind) for _i, who, kind, _t in events}
    for host in HOSTS:
        for kind in ("ONBATT", "LOWBATT", "FSD", "SHUTDOWN", "SHUTDOWNCMD"):
            assert (host, kind) in seen, f"no {kind} from {host}:\n{out}"
    assert ("host-a", "SHUTDOWN_HOSTSYNC") in seen, out
    # The UPS's own steps: on line, then on battery, then low battery.
    ups = [m.group(1) for line in lines if (m := UPS_STEP.match(line))]
    assert ups == ["OL", "OB DISCHRG", "OB DISCHRG", "OB DISCHRG LB"], out

    shutdowns = [(i, who, t) for i, who, kind, t in events if kind == "SHUTDOWNCMD"]
    assert sorted(who for _i, who, _t in shutdowns) == sorted(HOSTS), out
    primary = next((i, t) for i, who, t in shutdowns if who == "host-a")
    for i, who, t in shutdowns:
        if who != "host-a":
            assert i < primary[0] and t <= primary[1], f"{who} after the primary:\n{out}"
    for line in lines:
        if "SHUTDOWNCMD" in line and TIMELINE.match(line):
            assert line.endswith("ran (this is where the machine would power off)")

    summary = out.split("What happened:", 1)[1]
    assert "host-a (primary) ran SHUTDOWNCMD last" in summary
    assert "`upsmon -K` exits 0 there (1 on the secondaries)" in summary
    assert "Nothing was shut down" in summary
    assert "NOT AS EXPECTED" not in summary
    assert re.search(r"The drill took \d+\.\d s\.", out)

    sandbox = re.search(r"^sandbox (\S+);", out, re.M)
    assert sandbox is not None
    assert not Path(sandbox.group(1)).exists(), "the sandbox was not removed"
    pids = [int(p) for line in lines if STARTED.match(line) for p in PID.findall(line)]
    assert len(pids) == 5, out  # dummy-ups, upsd, three upsmon
    assert [p for p in pids if _still_ours(p, sandbox.group(1))] == []
    assert _mentioning(sandbox.group(1)) == []
