"""Our upsd over its life: TLS upgrade, reload, -c stop, drivers that die or go quiet."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from powerdown.client import calls
from powerdown.client.blocking import NutClient
from tests.support.nutpeer import OUR_UPSD, NutServer, User, ddl, free_port, nut_env, run

DEV = ddl("APC", "Back-UPS_BK650M2")


def ask(port: int, *requests: str, timeout: float = 5.0) -> list[str]:
    """One line of reply per request, on a fresh connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall("".join(r + "\n" for r in requests).encode())
        buf = b""
        while buf.count(b"\n") < len(requests):
            data = s.recv(65536)
            if not data:
                break
            buf += data
    return buf.decode().splitlines()


def eventually(check: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def proc(server: NutServer, name: str) -> subprocess.Popen[bytes]:
    return next(p.popen for p in server._procs if p.name == name)


# -- TLS ---------------------------------------------------------------------------


@pytest.fixture
def certfile(tmp_path: Path) -> Path:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    rc, _, err = run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ]
    )  # fmt: skip
    assert rc == 0, err
    both = tmp_path / "upsd.pem"
    both.write_text(cert.read_text() + key.read_text())
    return both


def test_starttls_upgrades_the_connection(tmp_path: Path, certfile: Path) -> None:
    with NutServer(
        {"ups": DEV},
        upsd_cmd=OUR_UPSD,
        extra_upsd_conf=f"CERTFILE {certfile}\nDISABLE_WEAK_SSL true\n",
        root=tmp_path / "sb",
    ) as server:
        ctx = ssl.create_default_context(cafile=str(certfile))
        client = NutClient("127.0.0.1", server.port, tls="require", ssl_context=ctx)
        try:
            assert client.tls_active
            assert isinstance(client._sock, ssl.SSLSocket)
            assert client._sock.version() in ("TLSv1.2", "TLSv1.3")
            assert client.get_var("ups", "ups.mfr") == "American Power Conversion"
            assert client.call(calls.starttls()) == "ERR ALREADY-SSL-MODE"
        finally:
            client.close()
        # A client that does not ask for TLS is still served in the clear.
        assert ask(server.port, "GET VAR ups ups.mfr") == [
            'VAR ups ups.mfr "American Power Conversion"'
        ]


def test_starttls_without_certfile(tmp_path: Path) -> None:
    with NutServer({"ups": DEV}, upsd_cmd=OUR_UPSD, root=tmp_path) as server:
        assert ask(server.port, "STARTTLS", "NETVER") == ["ERR FEATURE-NOT-CONFIGURED", "1.3"]


# -- reload and stop -----------------------------------------------------------------


def test_sighup_reloads_users_and_descriptions(tmp_path: Path) -> None:
    server = NutServer(
        {"ups": DEV},
        users={"old": User(password="pw", upsmon="secondary")},
        upsd_cmd=OUR_UPSD,
        root=tmp_path,
    )
    with server:
        assert (
            ask(server.port, "USERNAME new", "PASSWORD pw", "LOGIN ups")[2] == "ERR ACCESS-DENIED"
        )
        server.users = {"new": User(password="pw", upsmon="secondary")}
        server.driver_options = {"ups": {"desc": "Rack 4"}}
        server.reload()
        eventually(
            lambda: ask(server.port, "GET UPSDESC ups") == ['UPSDESC ups "Rack 4"'], 10, "reload"
        )
        assert ask(server.port, "USERNAME new", "PASSWORD pw", "LOGIN ups")[2] == "OK"
        # A broken file on reload: upsd says so and keeps serving the old configuration.
        (server.dir / "upsd.conf").write_text("MAXAGE soon\n")
        proc(server, "upsd").send_signal(signal.SIGHUP)
        eventually(lambda: "reload failed" in server.logs(), 10, "the reload error")
        assert ask(server.port, "GET UPSDESC ups") == ['UPSDESC ups "Rack 4"']
        assert "upsd.conf:1" in server.logs()


def test_reload_drops_a_removed_ups_and_kicks_its_clients(tmp_path: Path) -> None:
    server = NutServer(
        {"ups": DEV},
        users={"mon": User(password="pw", upsmon="secondary")},
        upsd_cmd=OUR_UPSD,
        root=tmp_path,
    )
    with server:
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        s.sendall(b"USERNAME mon\nPASSWORD pw\nLOGIN ups\n")
        got = b""
        while got.count(b"\n") < 3:
            got += s.recv(100)
        assert got == b"OK\nOK\nOK\n"
        (server.dir / "ups.conf").write_text("")
        (server.dir / "upsd.conf").write_text(
            f"LISTEN 127.0.0.1 {server.port}\nALLOW_NO_DEVICE 1\n"
        )
        proc(server, "upsd").send_signal(signal.SIGHUP)
        eventually(lambda: ask(server.port, "GET UPSDESC ups") == ["ERR UNKNOWN-UPS"], 10, "drop")
        s.settimeout(5)
        assert s.recv(100) == b"", "the client logged in to the removed UPS was not disconnected"
        s.close()


def test_dash_c_reload_and_stop_use_the_pid_file(tmp_path: Path) -> None:
    # -F -F: stay in the foreground and still write the pid file (NUT's -FF).
    server = NutServer({"ups": DEV}, upsd_cmd=(*OUR_UPSD, "-F"), root=tmp_path)
    with server:
        pidfile = server.dir / "upsd.pid"
        upsd = proc(server, "upsd")
        eventually(pidfile.exists, 5, "the pid file")
        assert int(pidfile.read_text()) == upsd.pid
        # A second upsd refuses to start while the first runs.
        rc, _, err = run([*OUR_UPSD, "-F"], env=server.env, timeout=20)
        assert rc == 1 and "already running" in err
        server.driver_options = {"ups": {"desc": "via -c reload"}}
        server.write_config()
        rc, _, err = run([*OUR_UPSD, "-c", "reload"], env=server.env)
        assert rc == 0, err
        eventually(
            lambda: ask(server.port, "GET UPSDESC ups") == ['UPSDESC ups "via -c reload"'],
            10,
            "-c reload",
        )
        rc, _, err = run([*OUR_UPSD, "-c", "stop"], env=server.env)
        assert rc == 0, err
        assert upsd.wait(10) == 0
        assert not pidfile.exists()
    rc, _, err = run([*OUR_UPSD, "-c", "stop"], env=nut_env(tmp_path))
    assert rc == 1 and "PID file" in err


def test_config_error_names_file_and_line(tmp_path: Path) -> None:
    env = nut_env(tmp_path)
    (tmp_path / "upsd.conf").write_text("LISTEN 127.0.0.1 1\nMAXAGE soon\n")
    (tmp_path / "ups.conf").write_text("[ups]\n driver = dummy-ups\n port = x.dev\n")
    (tmp_path / "upsd.users").write_text("")
    rc, _, err = run([*OUR_UPSD, "-F"], env=env, timeout=20)
    assert rc == 1
    assert f"{tmp_path}/upsd.conf:2:" in err


# -- drivers that die, restart, or go quiet --------------------------------------------


def test_driver_killed_and_restarted(tmp_path: Path) -> None:
    with NutServer({"ups": DEV}, upsd_cmd=OUR_UPSD, root=tmp_path) as server:
        status = ask(server.port, "GET VAR ups ups.status")
        driver = proc(server, "driver-ups")
        driver.kill()
        driver.wait()
        eventually(
            lambda: (
                ask(server.port, "GET VAR ups ups.status")[0]
                in ("ERR DRIVER-NOT-CONNECTED", "ERR DATA-STALE")
            ),
            15,  # MAXAGE
            "upsd to notice the driver is gone",
        )
        server._spawn(
            "driver-ups2",
            ["/lib/nut/dummy-ups", "-a", "ups", "-F", "-u", "root"]
            if os.geteuid() == 0
            else ["/lib/nut/dummy-ups", "-a", "ups", "-F"],
        )
        eventually(
            lambda: ask(server.port, "GET VAR ups ups.status") == status,
            15,
            "upsd to reconnect to the restarted driver",
        )


SILENT_DRIVER = textwrap.dedent(
    """
    import os, socket, sys
    path = sys.argv[1]
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(1)
    print("ready", flush=True)
    conn, _ = srv.accept()
    buf = b""
    while b"DUMPALL\\n" not in buf:
        buf += conn.recv(100)
    conn.sendall(b'SETINFO ups.status "OL"\\nADDCMD beeper.enable\\nDUMPDONE\\nDATAOK\\n')
    # Now say nothing, answer no PING, until told to speak on stdin.
    sys.stdin.readline()
    conn.sendall(b'SETINFO ups.status "OB"\\n')
    sys.stdin.readline()
    """
)


def test_quiet_driver_goes_stale_after_maxage_and_recovers(tmp_path: Path) -> None:
    port = free_port()
    env = nut_env(tmp_path)
    (tmp_path / "ups.conf").write_text("[ups]\n driver = silent\n port = none\n")
    (tmp_path / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {port}\nMAXAGE 3\n")
    (tmp_path / "upsd.users").write_text("")
    driver = subprocess.Popen(
        [sys.executable, "-c", SILENT_DRIVER, str(tmp_path / "silent-ups")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    upsd = None
    try:
        assert driver.stdout is not None and driver.stdin is not None
        assert driver.stdout.readline() == "ready\n"
        upsd = subprocess.Popen(
            [*OUR_UPSD, "-F"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        eventually(
            lambda: _try(port, "GET VAR ups ups.status") == ['VAR ups ups.status "OL"'], 10, "dump"
        )
        t0 = time.monotonic()
        eventually(
            lambda: _try(port, "GET VAR ups ups.status") == ["ERR DATA-STALE"], 10, "staleness"
        )
        assert time.monotonic() - t0 >= 1.0  # not before MAXAGE-ish
        driver.stdin.write("speak\n")
        driver.stdin.flush()
        eventually(
            lambda: _try(port, "GET VAR ups ups.status") == ['VAR ups ups.status "OB"'],
            10,
            "recovery when the driver speaks again",
        )
    finally:
        for p in (upsd, driver):
            if p is not None and p.poll() is None:
                p.terminate()
                p.wait(10)
        for pipe in (driver.stdin, driver.stdout):
            if pipe is not None:
                pipe.close()


def _try(port: int, request: str) -> list[str]:
    try:
        return ask(port, request)
    except OSError:
        return []


def test_listens_on_ipv4_and_ipv6_loopback(tmp_path: Path) -> None:
    with NutServer(
        {"ups": DEV}, upsd_cmd=OUR_UPSD, listen=("::1", "127.0.0.1"), root=tmp_path
    ) as server:
        for family, host in ((socket.AF_INET6, "::1"), (socket.AF_INET, "127.0.0.1")):
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.settimeout(5)
                s.connect((host, server.port))
                s.sendall(b"GET VAR ups ups.mfr\nLIST CLIENT ups\n")
                got = b""
                while not got.endswith(b"END LIST CLIENT ups\n"):
                    got += s.recv(4096)
            assert got == b'VAR ups ups.mfr "American Power Conversion"\n' + (
                b"BEGIN LIST CLIENT ups\nEND LIST CLIENT ups\n"
            )
        # NUT's upsc takes [::1]:port.
        rc, out, _ = run(["/bin/upsc", f"ups@[::1]:{server.port}", "ups.mfr"], env=server.env)
        assert (rc, out) == (0, "American Power Conversion\n")


def test_upsd_binds_each_listener_once() -> None:
    """Starting upsd opens its listeners once: no "address already in use" in its own log."""
    with NutServer(devices={"ups": ddl("APC", "Smart-UPS")}, upsd_cmd=OUR_UPSD) as server:
        assert ask(server.port, "VER")[0].startswith("Network UPS Tools upsd")
        log = server.logs()
    assert "listening on 127.0.0.1" in log
    assert "already in use" not in log
    assert "not all LISTEN directives" not in log
