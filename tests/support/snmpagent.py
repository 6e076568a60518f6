"""A real SNMP agent on loopback: snmpsim's command responder serving ``.snmprec`` files.

Each recording is served under a community (its file name in the data
directory); the same file is also the SNMPv3 default context (``self``).
The agent runs as our child process: ``stop``/``pause`` (SIGSTOP)/``resume``
(SIGCONT)/``restart`` act on that pid only.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from powerdown.drivers.snmp.client import SnmpClient, SnmpSettings

DATA = Path(__file__).resolve().parents[1] / "data" / "snmp"
RESPONDER = shutil.which("snmpsim-command-responder") or "snmpsim-command-responder"


def free_udp_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True, slots=True, kw_only=True)
class V3User:
    name: str
    auth_key: str | None = None
    auth_proto: str = "NONE"
    priv_key: str | None = None
    priv_proto: str = "NONE"


@dataclass(slots=True, kw_only=True)
class SnmpAgent:
    """snmpsim serving ``recordings`` (community -> .snmprec path)."""

    recordings: Mapping[str, Path]
    v3_user: V3User | None = None
    port: int = 0
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="snmpagent-")))
    proc: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        if not self.port:
            self.port = free_udp_port()
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        for community, path in self.recordings.items():
            shutil.copy(path, data / f"{community}.snmprec")
        first = next(iter(self.recordings.values()))
        shutil.copy(first, data / "self.snmprec")
        (self.root / "cache").mkdir(exist_ok=True)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        cmd = [
            RESPONDER,
            f"--data-dir={self.root / 'data'}",
            f"--cache-dir={self.root / 'cache'}",
            f"--agent-udpv4-endpoint={self.endpoint}",
            "--logging-method=file:" + str(self.root / "agent.log"),
            "--log-level=error",
        ]
        if self.v3_user is not None:
            u = self.v3_user
            cmd += [f"--v3-user={u.name}", f"--v3-auth-proto={u.auth_proto}"]
            if u.auth_key:
                cmd.append(f"--v3-auth-key={u.auth_key}")
            if u.priv_key:  # snmpsim refuses a privacy protocol without a key, even NONE
                cmd.append(f"--v3-priv-proto={u.priv_proto}")
                cmd.append(f"--v3-priv-key={u.priv_key}")
        return cmd

    def start(self, timeout: float = 20.0) -> None:
        # As root snmpsim wants to become another user, who could not read
        # our Python under /root; it has a switch to stay as it is.
        env = dict(os.environ, SNMPSIM_ALLOW_ROOT="true")
        self.proc = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"snmpsim exited {self.proc.returncode}: {self.log()}")
            if self.answers():
                return
        self.stop()
        raise RuntimeError(f"snmpsim did not answer on {self.endpoint}: {self.log()}")

    def answers(self, community: str | None = None) -> bool:
        """One v2c GET of sysObjectID.0 (1 s timeout, no retry) gets an answer."""
        from powerdown.drivers.framework import DeviceError
        from powerdown.drivers.snmp.client import SnmpClient, SnmpSettings

        settings = SnmpSettings(
            host="127.0.0.1",
            port=self.port,
            version="v2c",
            community=community or next(iter(self.recordings)),
            retries=0,
            timeout=0.5,
        )

        async def probe() -> bool:
            client = SnmpClient(settings)
            try:
                got = await client.get(["1.3.6.1.2.1.1.2.0"])
                return got["1.3.6.1.2.1.1.2.0"] is not None
            except DeviceError:
                return False
            finally:
                client.close()

        return asyncio.run(probe())

    def log(self) -> str:
        try:
            return (self.root / "agent.log").read_text()[-2000:]
        except OSError:
            return ""

    def pause(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> SnmpAgent:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Reader:
    """Reads integers back from the agent with one SNMP engine (a new one costs ~1 s)."""

    def __init__(self, agent: SnmpAgent) -> None:
        self.loop = asyncio.new_event_loop()
        settings = SnmpSettings(host="127.0.0.1", port=agent.port, version="v2c")
        self.client = SnmpClient(settings)

    def __call__(self, oid: str) -> int:
        value = self.loop.run_until_complete(self.client.get([oid]))[oid]
        assert value is not None
        return value.number

    def close(self) -> None:
        async def close() -> None:
            self.client.close()  # the transport closes on the loop's next turn
            await asyncio.sleep(0)

        self.loop.run_until_complete(close())
        self.loop.close()
