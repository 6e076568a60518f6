"""What a config parser reports: a fatal ``ConfigError`` or a ``ConfigWarning``.

NUT logs most config problems and carries on; a few stop the program.  We
keep the same split: a warning is a value the caller may log (parsers never
log), an error is raised.  Both name the file and the physical line, in the
``file:line: message`` form NUT's own "Parse error" log lines use.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ConfigError", "ConfigWarning"]


def _where(path: str, line: int | None) -> str:
    return path if line is None else f"{path}:{line}"


class ConfigError(Exception):
    """A config file (or setting) that cannot be used.

    ``line`` is the 1-based physical line, or ``None`` when the problem is
    the file as a whole (it cannot be read) or an environment variable.
    """

    path: str
    line: int | None
    message: str

    def __init__(self, path: str, line: int | None, message: str) -> None:
        super().__init__(path, line, message)
        self.path = path
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return f"{_where(self.path, self.line)}: {self.message}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigWarning:
    """A problem NUT would log and ignore; the caller decides whether to log it."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{_where(self.path, self.line)}: {self.message}"
