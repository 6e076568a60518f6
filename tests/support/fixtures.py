"""pytest fixtures around :mod:`tests.support.nutpeer`.

Register them from ``tests/conftest.py`` with::

    pytest_plugins = ["tests.support.fixtures"]
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.support.nutpeer import NutServer
from tests.support.ptysim import PtySimulator
from tests.support.upsmonpeer import build_unprivileged_python

NutServerFactory = Callable[..., NutServer]


@pytest.fixture
def nut_server_factory(tmp_path: Path) -> Iterator[NutServerFactory]:
    """Start sandboxed NUT servers: ``make(devices, **NutServer kwargs)``.

    Each server gets its own directory under ``tmp_path``; all are stopped
    (by pid) when the test ends, whatever its outcome.
    """
    started: list[NutServer] = []

    def make(devices: Mapping[str, str | Path], **kwargs: Any) -> NutServer:
        kwargs.setdefault("root", tmp_path / f"nut{len(started)}")
        server = NutServer(devices, **kwargs)
        started.append(server)
        return server

    try:
        yield make
    finally:
        for server in reversed(started):
            server.stop()


@pytest.fixture
def sims() -> Iterator[list[PtySimulator]]:
    """Simulated serial UPSes a test starts (append them); all stopped when it ends."""
    started: list[PtySimulator] = []
    try:
        yield started
    finally:
        for sim in started:
            sim.stop()


@pytest.fixture(scope="session")
def unprivileged_python() -> Iterator[Path]:
    """A python that ``nobody`` can run and that imports (a copy of) powerdown.

    The default interpreter lives under /root; this one is a venv of
    ``/usr/bin/python3`` in a world-readable temporary directory, built once
    per session (see :func:`tests.support.upsmonpeer.build_unprivileged_python`).
    """
    base = "/usr/bin/python3"
    if not os.access(base, os.X_OK):
        pytest.skip(f"{base} is not installed")
    root = Path(tempfile.mkdtemp(prefix="powerdown-python-"))
    try:
        yield build_unprivileged_python(root, base=base)
    finally:
        shutil.rmtree(root, ignore_errors=True)
