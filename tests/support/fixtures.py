"""pytest fixtures around :mod:`tests.support.nutpeer`.

Register them from ``tests/conftest.py`` with::

    pytest_plugins = ["tests.support.fixtures"]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.support.nutpeer import NutServer

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
