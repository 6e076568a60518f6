"""Benchmark: NUT's upsd against powerdown's, side by side, in one run.

Usage::

    python bench/upsd_bench.py [--seconds N] [--dev FILE] [--clients 1,10,100]
                               [--ops get,list] [--repeat N] [--json] [--no-pin]
                               [--only nut|ours] [--ours-cmd CMD]

What runs
    Each server gets its own sandbox (``bench/_sandbox.py``): a temporary
    CONFPATH/STATEPATH, NUT's ``dummy-ups`` serving the same ``.dev`` file
    (default: the dump in ``/work/shared/ddl`` with the most variables, an
    Eaton 5PX with 89), and upsd on a free 127.0.0.1 port.  NUT's side is
    ``/lib/nut/upsd``; ours is ``python -m powerdown.cli.upsd`` with the same
    flags, environment and config files.  Both upsds read NUT's driver, so
    only the upsd differs.  When ours is not installed or does not start, its
    columns say ``n/a`` and the reason goes to stderr.

What is measured
    For each request (``GET VAR bench ups.status``, ``LIST VAR bench``) and
    each number of persistent TCP clients (1, 10, 100), every client sends
    one request, waits for the whole reply, and sends the next, for
    ``--seconds`` after a short warm-up.  We report completed requests per
    second, the 50th and 99th percentile of the time from sending a request
    to reading the end of its reply, and upsd's VmRSS at the end of the
    window (``/proc/<pid>/status``; VmHWM, the peak, is in the summary).
    Servers are measured one after the other, cell by cell, so slow drift on
    the machine touches both alike.

Fairness on a small machine
    The load generator is a separate process (this script, ``--worker``)
    that drives all clients from one epoll loop, with no per-request
    allocation beyond the reply buffer: it is as cheap as plain Python gets.
    With two or more CPUs the servers (upsd and driver) are pinned to CPU 0
    and the generator to CPU 1, so the server under test has one whole core
    and never competes with its load; both upsds are single-threaded, so one
    core is what each can use.  A second table gives the CPU use of server
    and generator during each window: a generator near 100% means that cell
    measured the generator, and the server's number is a lower bound.

TCP_NODELAY
    NUT's client library (libupsclient, ``clients/upsclient.c`` in 2.8.0)
    does not set TCP_NODELAY, and neither do we by default
    (``--client-nodelay`` sets it).  It does not matter for this loop: a
    client only sends when its previous request has been answered, so it
    never has unacknowledged data that Nagle would hold back.  What does
    matter is the server side: NUT's upsd writes a LIST reply one line per
    ``write()`` without TCP_NODELAY, so after the first small segment Nagle
    waits for an ACK that the client delays (~40 ms on Linux loopback).  We
    measure that as it is, because it is what every NUT client sees.

Noise
    On a small shared VM, loopback round trips cost mostly kernel time (the
    generator spends its CPU in ``send``/``recv``, waking the other core),
    and two runs of the same server can differ by a third.  ``--repeat 3``
    keeps the median of three runs per cell; ``--ours-cmd /lib/nut/upsd``
    runs NUT against itself (an A/A run) to see how much of a ratio is noise.

Everything we start is stopped by its pid, also on Ctrl-C, SIGTERM or an
error (and PR_SET_PDEATHSIG covers a SIGKILL of this script, which then
leaves only its temporary directories).  The default run takes about
75 seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import select
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sandbox import (  # noqa: E402
    NUT_DUMMY_UPS,
    NUT_UPSD,
    UPS_NAME,
    Sandbox,
    SandboxError,
    die_with_parent,
    read_status,
)

DDL = Path("/work/shared/ddl")
DEFAULT_DEV = DDL / "Eaton" / "Eaton__5PX__netxml-ups__2.7.4__03.dev"
OURS_CMD = f"{shlex.quote(sys.executable)} -m powerdown.cli.upsd"
OPS = {
    "get": (f"GET VAR {UPS_NAME} ups.status", f"VAR {UPS_NAME} ups.status ", "\n"),
    "list": (f"LIST VAR {UPS_NAME}", f"BEGIN LIST VAR {UPS_NAME}\n", f"END LIST VAR {UPS_NAME}\n"),
}


# --- load generator (runs in its own process) ------------------------------


def _cpu_ticks(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def run_worker(cfg: dict[str, Any]) -> dict[str, Any]:
    """Drive ``clients`` request/response loops; return counts and latencies."""
    if cfg.get("cpus"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, set(cfg["cpus"]))
    request = cfg["request"].encode() + b"\n"
    prefix = cfg["prefix"].encode()
    end = cfg["end"].encode()
    socks: dict[int, socket.socket] = {}
    for _ in range(cfg["clients"]):
        s = socket.create_connection(("127.0.0.1", cfg["port"]), timeout=10)
        if cfg.get("nodelay"):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        socks[s.fileno()] = s
    ep = select.epoll()
    for fd in socks:
        ep.register(fd, select.EPOLLIN)
    bufs = {fd: bytearray() for fd in socks}
    sent = dict.fromkeys(socks, 0.0)
    lat: list[float] = []
    errors = 0
    reply_bytes = 0
    now = time.perf_counter
    t_warm_end = now() + cfg["warmup"]
    t_stop = t_warm_end + cfg["seconds"]
    measuring = False
    t0 = t1 = 0.0
    cpu0 = mine0 = 0.0
    pid = cfg["server_pid"]
    for fd, s in socks.items():
        sent[fd] = now()
        s.send(request)
    while True:
        events = ep.poll(0.05)
        t = now()
        if not measuring and t >= t_warm_end:
            measuring, t0 = True, t
            cpu0, mine0 = _cpu_ticks(pid), time.process_time()
            lat.clear()
        if t >= t_stop:
            t1 = t
            break
        for fd, _ev in events:
            data = socks[fd].recv(262144)
            if not data:
                raise ConnectionError(f"server closed a connection: {bytes(bufs[fd][-200:])!r}")
            buf = bufs[fd]
            buf += data
            if not (buf.endswith(end) or (buf[:4] == b"ERR " and buf.endswith(b"\n"))):
                continue
            t = now()
            if measuring:
                lat.append(t - sent[fd])
                reply_bytes = len(buf)
            if not buf.startswith(prefix):
                errors += 1
                if errors == 1:
                    sys.stderr.write(f"unexpected reply: {bytes(buf[:200])!r}\n")
            buf.clear()
            sent[fd] = t
            socks[fd].send(request)
    cpu1, mine1 = _cpu_ticks(pid), time.process_time()
    rss = read_status(pid)
    for s in socks.values():
        s.close()
    elapsed = t1 - t0
    lat.sort()
    tick = os.sysconf("SC_CLK_TCK")

    def pct(q: float) -> float | None:
        return lat[min(len(lat) - 1, int(q * len(lat)))] * 1e3 if lat else None

    return {
        "requests": len(lat),
        "seconds": elapsed,
        "rps": len(lat) / elapsed if elapsed > 0 else 0.0,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "errors": errors,
        "reply_bytes": reply_bytes,
        "server_cpu_pct": 100.0 * (cpu1 - cpu0) / tick / elapsed if elapsed > 0 else None,
        "gen_cpu_pct": 100.0 * (mine1 - mine0) / elapsed if elapsed > 0 else None,
        "rss_kib": rss.get("VmRSS"),
    }


# --- orchestration ---------------------------------------------------------


@dataclass
class Server:
    label: str
    box: Sandbox | None = None
    skipped: str | None = None
    idle_rss_kib: int | None = None
    hwm_kib: int | None = None
    results: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)


class _Interrupted(Exception):
    pass


_current_worker: subprocess.Popen[bytes] | None = None


def _on_signal(signum: int, _frame: object) -> None:
    raise _Interrupted(signal.Signals(signum).name)


def measure(
    box: Sandbox, op: str, clients: int, args: argparse.Namespace, gen_cpus: set[int] | None
) -> dict[str, Any]:
    global _current_worker
    request, prefix, end = OPS[op]
    cfg = {
        "port": box.port,
        "clients": clients,
        "request": request,
        "prefix": prefix,
        "end": end,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "server_pid": box.upsd.pid,
        "nodelay": args.client_nodelay,
        "cpus": sorted(gen_cpus) if gen_cpus else None,
    }
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(cfg)]
    _current_worker = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )
    try:
        out, _ = _current_worker.communicate(timeout=args.seconds + args.warmup + 60)
    finally:
        _stop_worker()
    if _current_worker is not None and _current_worker.returncode != 0:
        raise RuntimeError(f"load generator failed ({_current_worker.returncode})")
    result: dict[str, Any] = json.loads(out)
    return result


def _stop_worker() -> None:
    w = _current_worker
    if w is not None and w.poll() is None:
        w.terminate()
        try:
            w.wait(5)
        except subprocess.TimeoutExpired:
            w.kill()
            w.wait()


def _cpu_plan(no_pin: bool) -> tuple[set[int] | None, set[int] | None]:
    if no_pin:
        return None, None
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None, None
    if len(cpus) < 2:
        return None, None
    return {cpus[0]}, {cpus[1]}


def _ours_available(cmd: list[str]) -> str | None:
    if cmd[1:3] == ["-m", "powerdown.cli.upsd"]:
        try:
            if importlib.util.find_spec("powerdown.cli.upsd") is None:
                return "powerdown.cli.upsd does not exist yet"
        except ImportError as exc:
            return f"powerdown.cli.upsd cannot be imported: {exc}"
    return None


def _fmt(v: float | None, spec: str) -> str:
    return "n/a" if v is None else format(v, spec)


def _ratio(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def render_markdown(servers: list[Server], cells: list[tuple[str, int]], header: str) -> str:
    nut, ours = servers
    lines = [header, ""]
    lines.append(
        "| request | clients | NUT req/s | ours req/s | ours/NUT | NUT p50 ms | ours p50 ms "
        "| NUT p99 ms | ours p99 ms | NUT RSS MiB | ours RSS MiB | ours/NUT RSS |"
    )
    lines.append("|" + "---|" * 12)

    def get(s: Server, cell: tuple[str, int], key: str) -> float | None:
        r = s.results.get(cell)
        v = r.get(key) if r else None
        return None if v is None else float(v)

    for cell in cells:
        op, n = cell
        rss_n = get(nut, cell, "rss_kib")
        rss_o = get(ours, cell, "rss_kib")
        row = [
            OPS[op][0].split(f" {UPS_NAME}")[0] + (" ups.status" if op == "get" else ""),
            str(n),
            _fmt(get(nut, cell, "rps"), ",.0f"),
            _fmt(get(ours, cell, "rps"), ",.0f"),
            _ratio(get(ours, cell, "rps"), get(nut, cell, "rps")),
            _fmt(get(nut, cell, "p50_ms"), ".3f"),
            _fmt(get(ours, cell, "p50_ms"), ".3f"),
            _fmt(get(nut, cell, "p99_ms"), ".3f"),
            _fmt(get(ours, cell, "p99_ms"), ".3f"),
            _fmt(None if rss_n is None else rss_n / 1024, ".1f"),
            _fmt(None if rss_o is None else rss_o / 1024, ".1f"),
            _ratio(rss_o, rss_n),
        ]
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "Load check: CPU use during each window, % of one core "
        "(generator near 100% = the generator was the limit).",
        "",
    ]
    lines.append(
        "| request | clients | NUT upsd | NUT generator | ours upsd | ours generator "
        "| NUT errors | ours errors |"
    )
    lines.append("|" + "---|" * 8)
    for cell in cells:
        op, n = cell
        lines.append(
            "| "
            + " | ".join(
                [
                    op,
                    str(n),
                    _fmt(get(nut, cell, "server_cpu_pct"), ".0f"),
                    _fmt(get(nut, cell, "gen_cpu_pct"), ".0f"),
                    _fmt(get(ours, cell, "server_cpu_pct"), ".0f"),
                    _fmt(get(ours, cell, "gen_cpu_pct"), ".0f"),
                    _fmt(get(nut, cell, "errors"), ".0f"),
                    _fmt(get(ours, cell, "errors"), ".0f"),
                ]
            )
            + " |"
        )
    lines.append("")
    for s in servers:
        if s.skipped:
            lines.append(f"- {s.label}: skipped ({s.skipped})")
        else:
            idle = _fmt(None if s.idle_rss_kib is None else s.idle_rss_kib / 1024, ".1f")
            hwm = _fmt(None if s.hwm_kib is None else s.hwm_kib / 1024, ".1f")
            lines.append(f"- {s.label}: RSS after start {idle} MiB, peak (VmHWM) {hwm} MiB")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=5.0, help="measured seconds per cell")
    p.add_argument("--warmup", type=float, default=0.5, help="unmeasured seconds before each")
    p.add_argument("--dev", type=Path, default=DEFAULT_DEV, help="the .dev file dummy-ups serves")
    p.add_argument("--clients", default="1,10,100", help="comma-separated client counts")
    p.add_argument("--ops", default="get,list", help="comma-separated: get, list")
    p.add_argument("--only", choices=("nut", "ours"), help="benchmark one server only")
    p.add_argument("--ours-cmd", default=OURS_CMD, help="our upsd, without -F/-u")
    p.add_argument("--nut-upsd", default=NUT_UPSD)
    p.add_argument("--driver", default=NUT_DUMMY_UPS, help="the driver both upsds read")
    p.add_argument("--repeat", type=int, default=1, help="runs per cell; the median run is kept")
    p.add_argument("--client-nodelay", action="store_true", help="set TCP_NODELAY on clients")
    p.add_argument("--no-pin", action="store_true", help="do not pin servers/generator to CPUs")
    p.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.seconds <= 0 or args.warmup < 0 or args.repeat < 1:
        p.error("--seconds must be > 0, --warmup >= 0, --repeat >= 1")
    if not args.worker:
        args.client_counts = [int(c) for c in args.clients.split(",") if c]
        args.op_list = [o for o in args.ops.split(",") if o]
        if any(o not in OPS for o in args.op_list) or any(c < 1 for c in args.client_counts):
            p.error("--ops takes get,list; --clients takes positive integers")
        if not args.dev.is_file():
            p.error(f"{args.dev}: no such file")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        json.dump(run_worker(json.loads(args.worker)), sys.stdout)
        return 0

    server_cpus, gen_cpus = _cpu_plan(args.no_pin)
    nut = Server("NUT")
    ours = Server("ours")
    if args.only == "ours":
        nut.skipped = "--only ours"
    if args.only == "nut":
        ours.skipped = "--only nut"
    ours_cmd = shlex.split(args.ours_cmd)
    if not ours.skipped:
        ours.skipped = _ours_available(ours_cmd)
    servers = [nut, ours]
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    cells = [(op, n) for op in args.op_list for n in args.client_counts]
    try:
        for s, cmd in ((nut, [args.nut_upsd]), (ours, ours_cmd)):
            if s.skipped:
                print(f"{s.label}: skipped: {s.skipped}", file=sys.stderr)
                continue
            s.box = Sandbox(
                s.label, args.dev, upsd_cmd=cmd, driver_cmd=(args.driver,), cpus=server_cpus
            )
            try:
                s.box.start()
            except (SandboxError, OSError) as exc:
                s.skipped = f"did not start: {str(exc).splitlines()[0]}"
                print(exc, file=sys.stderr)
                continue
            s.idle_rss_kib = read_status(s.box.upsd.pid).get("VmRSS")
        live = [s for s in servers if s.box is not None and not s.skipped]
        if not live:
            print("no server to benchmark", file=sys.stderr)
            return 1
        payloads = {s.label: s.box.list_var() for s in live if s.box}
        if len(set(payloads.values())) > 1:
            sizes = ", ".join(f"{k} {len(v or b'')} bytes" for k, v in payloads.items())
            print(f"note: the LIST VAR replies differ ({sizes})", file=sys.stderr)
        runs: dict[tuple[str, tuple[str, int]], list[dict[str, Any]]] = {}
        for cell in cells:
            for _ in range(args.repeat):
                for s in list(live):  # alternate servers so drift hits both alike
                    assert s.box is not None
                    print(f"{s.label}: {cell[0]} x {cell[1]} clients ...", file=sys.stderr)
                    try:
                        got = measure(s.box, cell[0], cell[1], args, gen_cpus)
                    except (RuntimeError, ValueError) as exc:
                        s.skipped = f"failed at {cell[0]} x {cell[1]}: {exc}"
                        print(f"{s.label}: {s.skipped}\n{s.box.logs()}", file=sys.stderr)
                        live.remove(s)
                        continue
                    runs.setdefault((s.label, cell), []).append(got)
            for s in live:
                ordered = sorted(runs[(s.label, cell)], key=lambda r: float(r["rps"]))
                s.results[cell] = ordered[len(ordered) // 2]
        for s in live:
            assert s.box is not None
            s.hwm_kib = read_status(s.box.upsd.pid).get("VmHWM")
    except (KeyboardInterrupt, _Interrupted) as exc:
        print(f"interrupted ({str(exc) or 'SIGINT'}); stopping everything", file=sys.stderr)
        return 130
    finally:
        _stop_worker()
        for s in servers:
            if s.box is not None:
                s.box.stop()

    any_list = next(iter(payloads.values()), None)
    nvars = any_list.count(b"\nVAR ") if any_list else 0
    pin = (
        f"servers pinned to CPU {min(server_cpus)}, load generator to CPU {min(gen_cpus)}"
        if server_cpus and gen_cpus
        else "no CPU pinning"
    )
    header = (
        f"## upsd: NUT 2.8.0 vs powerdown\n\n"
        f"Device `{args.dev.name}` ({nvars} variables, LIST VAR reply "
        f"{len(any_list or b'')} bytes); {args.seconds:g} s per run after {args.warmup:g} s "
        f"warm-up, median of {args.repeat} run(s) per cell; {pin}; "
        f"client TCP_NODELAY {'on' if args.client_nodelay else 'off'}."
    )
    if args.json:
        doc = {
            "device": str(args.dev),
            "variables": nvars,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "repeat": args.repeat,
            "pinning": {"servers": sorted(server_cpus or []), "generator": sorted(gen_cpus or [])},
            "client_nodelay": args.client_nodelay,
            "servers": {
                s.label: {
                    "skipped": s.skipped,
                    "idle_rss_kib": s.idle_rss_kib,
                    "hwm_kib": s.hwm_kib,
                    "results": [
                        {"request": op, "clients": n, **s.results[(op, n)]}
                        for op, n in cells
                        if (op, n) in s.results
                    ],
                }
                for s in servers
            },
        }
        json.dump(doc, sys.stdout, indent=2)
        print()
    else:
        print(render_markdown(servers, cells, header))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
