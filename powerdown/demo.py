"""The live demo: a power-failure drill on a simulated UPS.

powerdown's dummy-ups serves a UPS from a ``.dev`` file, powerdown's upsd
serves it on 127.0.0.1, and three powerdown upsmon processes watch it: one
primary (host-a) and two secondaries (host-b, host-c). The demo then
rewrites the ``.dev`` file: OL, OB DISCHRG with the charge falling, OB LB.
It prints the timeline live: what each upsmon was told (its NOTIFYCMD), FSD,
each secondary's SHUTDOWNCMD, the primary's last. Every SHUTDOWNCMD only
writes a line: nothing on the machine shuts down.

Everything runs in a throw-away directory (NUT_CONFPATH and friends point
into it), on a free port, as the current user; nothing needs root or
hardware, and every process the demo starts is stopped by its pid. The
script and the expected order live in ``powerdown.drill``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType

from powerdown import drill
from powerdown.client.blocking import NutClient
from powerdown.client.errors import ClientError
from powerdown.protocol.errors import NutError

__all__ = ["main"]

_ENV_PATHS = ("NUT_CONFPATH", "NUT_STATEPATH", "NUT_ALTPIDPATH", "NUT_PIDPATH")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(confdir: Path, statedir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in _ENV_PATHS:
        env[name] = str(confdir)
    env["NUT_STATEPATH"] = str(statedir)
    return env


def _write(path: Path, text: str, mode: int = 0o600) -> None:
    """Write whole or not at all: the driver re-reads the .dev file when it changes."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.chmod(mode)
    os.replace(tmp, path)


class Sandbox:
    """The throw-away directory: upsd and the driver at the top, one dir per host."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.system = f"{drill.UPSNAME}@127.0.0.1:{port}"
        self.timeline = root / "timeline"
        self.dev = root / "drill.dev"
        self.note = root / "note.py"

    def host_dir(self, host: drill.Host) -> Path:
        return self.root / host.name

    def powerdownflag(self, host: drill.Host) -> Path | None:
        # Only the primary tells the late shutdown script to cut the UPS's power.
        return self.host_dir(host) / "killpower" if host.primary else None

    def write(self) -> None:
        root = self.root
        _write(
            root / "ups.conf",
            f"pollinterval = 1\n[{drill.UPSNAME}]\n  driver = dummy-ups\n  port = drill.dev\n",
        )
        _write(root / "upsd.conf", f"LISTEN 127.0.0.1 {self.port}\nMAXAGE 15\n")
        _write(root / "upsd.users", drill.upsd_users())
        _write(self.dev, drill.dev_text(drill.BEFORE))
        _write(self.note, drill.NOTE_SCRIPT, 0o644)
        self.timeline.touch()
        for host in drill.HOSTS:
            self.host_dir(host).mkdir()
            # -I -S: a bare interpreter starts in a few ms, so lines keep their order.
            note = [sys.executable, "-I", "-S", str(self.note)]
            flag = self.powerdownflag(host)
            conf = drill.upsmon_conf(
                host,
                system=self.system,
                notifycmd=[*note, "notify", str(self.timeline), host.name],
                shutdowncmd=[*note, "shutdown", str(self.timeline), host.name],
                powerdownflag=None if flag is None else str(flag),
            )
            _write(self.host_dir(host) / "upsmon.conf", conf)

    def server_env(self) -> dict[str, str]:
        return _env(self.root, self.root)

    def host_env(self, host: drill.Host) -> dict[str, str]:
        # Each upsmon has its own pid file and config: NUT_PIDPATH per host.
        return _env(self.host_dir(host), self.root)


@contextlib.contextmanager
def _started(
    cmd: Sequence[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            list(cmd), env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _python(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def _as_root_stays_root() -> list[str]:
    # Started as root, a driver drops to "nut", who cannot read the sandbox.
    return ["-u", "root"] if os.geteuid() == 0 else []


def _numlogins(port: int) -> int | None:
    try:
        with NutClient("127.0.0.1", port, timeout=2.0, connect_timeout=2.0) as client:
            return client.get_numlogins(drill.UPSNAME)
    except (ClientError, NutError, OSError):
        return None


def _wait_until(what: str, probe: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            print(f"powerdown-demo: {what} did not happen in {timeout:.0f} s", file=sys.stderr)
            return False
        time.sleep(0.1)
    return True


class _Timeline:
    """Reads the lines the hosts append to the timeline file, as they arrive."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.partial = b""

    def new_events(self) -> list[drill.Event]:
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        *lines, self.partial = (self.partial + data).split(b"\n")
        events = []
        for raw in lines:
            event = drill.parse_event(raw.decode(errors="replace"))
            if event is not None:
                events.append(event)
        return events


def _show_logs(sandbox: Sandbox) -> None:
    for log in sorted(sandbox.root.rglob("*.log")):
        print(f"--- {log.relative_to(sandbox.root)}", file=sys.stderr)
        print(log.read_text(errors="replace")[-3000:], file=sys.stderr)


def _upsc(env: dict[str, str], target: str) -> str:
    done = subprocess.run(
        _python("powerdown.cli.upsc", target), env=env, capture_output=True, text=True, timeout=10
    )
    return done.stdout


def _play(
    sandbox: Sandbox,
    upsmons: dict[str, subprocess.Popen[bytes]],
    step_seconds: float,
    timeout: float,
) -> tuple[list[drill.Event], float] | None:
    """Run the outage, printing the timeline live until every upsmon has exited."""
    timeline = _Timeline(sandbox.timeline)
    events: list[drill.Event] = []
    begin = time.time()
    start = begin + step_seconds  # the power fails one step after the drill begins
    script = [(begin, drill.BEFORE)] + [
        (start + i * step_seconds, step) for i, step in enumerate(drill.OUTAGE)
    ]
    print(drill.format_header())
    deadline = time.monotonic() + step_seconds * len(script) + timeout
    while True:
        now = time.time()
        while script and script[0][0] <= now:
            _, step = script.pop(0)
            _write(sandbox.dev, drill.dev_text(step))
            event = drill.Event(
                at=time.time(),
                who="UPS",
                kind=step.status,
                text=f"{step.note}; battery.charge {step.charge}, runtime {step.runtime} s",
            )
            events.append(event)
            print(drill.format_event(event, start), flush=True)
        for event in sorted(timeline.new_events(), key=lambda e: e.at):
            events.append(event)
            print(drill.format_event(event, start), flush=True)
        if not script and all(p.poll() is not None for p in upsmons.values()):
            # upsmon waits for its notifiers before it exits: the file is complete.
            for event in sorted(timeline.new_events(), key=lambda e: e.at):
                events.append(event)
                print(drill.format_event(event, start), flush=True)
            return events, start
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)


def _check_flag(sandbox: Sandbox, host: drill.Host) -> int:
    done = subprocess.run(
        _python("powerdown.cli.upsmon", "-K"),
        env=sandbox.host_env(host),
        capture_output=True,
        timeout=30,
    )
    return done.returncode


def _drill(sandbox: Sandbox, args: argparse.Namespace) -> int:
    server_env = sandbox.server_env()
    with contextlib.ExitStack() as stack:
        driver = stack.enter_context(
            _started(
                _python("powerdown.drivers.dummy.driver", "-a", drill.UPSNAME, "-F")
                + _as_root_stays_root(),
                server_env,
                sandbox.root / "driver.log",
            )
        )
        upsd = stack.enter_context(
            _started(_python("powerdown.cli.upsd", "-F"), server_env, sandbox.root / "upsd.log")
        )
        print(f"started dummy-ups (pid {driver.pid}) and upsd (pid {upsd.pid})")
        if not _wait_until(
            "upsd serving the UPS", lambda: _numlogins(sandbox.port) is not None, 15
        ):
            _show_logs(sandbox)
            return 1
        if args.upsc:
            print(f"\n$ upsc {sandbox.system}")
            print(_upsc(server_env, sandbox.system))

        upsmons: dict[str, subprocess.Popen[bytes]] = {}
        for host in drill.HOSTS:
            proc = stack.enter_context(
                _started(
                    _python("powerdown.cli.upsmon", "-F", "-p"),
                    sandbox.host_env(host),
                    sandbox.host_dir(host) / "upsmon.log",
                )
            )
            upsmons[host.name] = proc
            print(f"started upsmon {host.name} ({host.role}, pid {proc.pid})")
        if not _wait_until(
            "all three upsmon logged in", lambda: _numlogins(sandbox.port) == len(drill.HOSTS), 20
        ):
            _show_logs(sandbox)
            return 1
        print(
            f"\nPOLLFREQ {drill.POLLFREQ}, HOSTSYNC {drill.HOSTSYNC}, FINALDELAY "
            f"{drill.FINALDELAY}; NOTIFYCMD and SHUTDOWNCMD only append to the timeline.\n"
        )
        played = _play(sandbox, upsmons, args.step, timeout=45)
        if played is None:
            print("\npowerdown-demo: the drill did not finish in time", file=sys.stderr)
            _show_logs(sandbox)
            return 1
        events, start = played
        exits = {host.name: _check_flag(sandbox, host) for host in drill.HOSTS}
    print("\nStopped dummy-ups and upsd; every upsmon had exited after its SHUTDOWNCMD.\n")
    verdict = drill.judge(events, start, flag_exits=exits)
    print("What happened:")
    for line in verdict.lines:
        print(f"  {line}")
    if not verdict.ok:
        _show_logs(sandbox)
    return 0 if verdict.ok else 1


def _raise_exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="powerdown-demo", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument(
        "--step", type=float, default=3.0, help="seconds between the steps of the outage"
    )
    parser.add_argument("--upsc", action="store_true", help="print upsc's view of the UPS first")
    parser.add_argument("--keep", action="store_true", help="keep the sandbox (logs, configs)")
    args = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="powerdown-demo-"))
    sandbox = Sandbox(root, _free_port())
    # A SIGTERM to the demo stops everything as Ctrl-C does (finally blocks).
    previous = signal.signal(signal.SIGTERM, _raise_exit)
    began = time.monotonic()
    try:
        sandbox.write()
        print(f"sandbox {root}; upsd on 127.0.0.1:{sandbox.port}")
        code = _drill(sandbox, args)
        print(f"\nThe drill took {time.monotonic() - began:.1f} s.")
        return code
    except KeyboardInterrupt:
        print("\npowerdown-demo: interrupted; every process it started is stopped.")
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        if args.keep:
            print(f"sandbox kept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
