"""A device for testing the harness itself: answers each CR-terminated line reversed."""

from __future__ import annotations

from typing import Any

from tests.support.ptysim import Reply


class Device:
    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix.encode()
        self._line = b""

    def receive(self, data: bytes, now: float) -> list[Reply]:
        replies = []
        self._line += data
        while b"\r" in self._line:
            line, self._line = self._line.split(b"\r", 1)
            replies.append(Reply(self.prefix + line[::-1] + b"\r"))
        return replies

    def control(self, key: str, value: Any) -> None:
        if key == "prefix":
            self.prefix = str(value).encode()
