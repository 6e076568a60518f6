"""Run a daemon's main coroutine on the fastest event loop we have.

uvloop (libuv) answers a request round trip in about half the time of the
stdlib selector loop; it is optional, and everything works without it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["run_loop"]


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, on uvloop unless POWERDOWN_LOOP=asyncio."""
    if os.environ.get("POWERDOWN_LOOP", "") != "asyncio":
        try:
            import uvloop
        except ImportError:
            pass
        else:
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                return runner.run(main)
    return asyncio.run(main)
