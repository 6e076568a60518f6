"""``upssched.conf``: upssched's script, socket, lock file and ``AT`` rules.

Strategy
--------
We read the file as NUT's ``clients/upssched.c`` ``conf_arg`` does, with the
directives of upssched.conf(5) at NUT's HEAD (a superset of 2.8.0's):

* ``CMDSCRIPT script [arg ...]`` -- HEAD runs the script itself (no shell),
  with the extra words as its first arguments and the timer name (or
  ``EXECUTE`` argument) last.  2.8.0 took one word and ran it through
  ``system()``; a script word holding a space is legal but gets NUT's
  warning, because it now names a file rather than a command line.
* ``PIPEFN`` and ``LOCKFN`` -- the daemon's socket and the start-up lock.
* ``DEBUG_MIN n`` -- the least debug level (HEAD).
* ``AT notifytype upsname command ...`` with ``START-TIMER name seconds``,
  ``START-TIMER-SHARED name seconds``, ``CANCEL-TIMER name [cmd]``,
  ``CANCEL-TIMER-MATCHED name [cmd]`` and ``EXECUTE command``; ``upsname``
  may be ``*``.

NUT reads the file line by line and *acts* on each matching ``AT`` as it
goes, logging and skipping lines it cannot use.  We read the whole file
first and refuse it when a known directive is malformed (a ``START-TIMER``
without a number, an unknown notify type or ``AT`` command): a typo in a
shutdown rule must be loud, not a timer that silently never starts.  An
unknown directive is only a warning, as in NUT ("invalid directive").

NUT insists that ``CMDSCRIPT``, ``PIPEFN`` and ``LOCKFN`` come before the
first ``AT`` line, but only when it handles an event (``upssched -l``
needs just ``PIPEFN``).  So the parser notes the first ``AT`` line that came
too early, and :meth:`UpsschedConfig.check_ready` raises NUT's message for
it when the caller is about to act on rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from powerdown.config._common import is_uint, logical_lines, read_config
from powerdown.config.errors import ConfigError, ConfigWarning
from powerdown.monitor.notify import NotifyType

__all__ = [
    "StartTimer",
    "CancelTimer",
    "Execute",
    "Action",
    "AtRule",
    "UpsschedConfig",
    "parse_upssched_conf",
    "load_upssched_conf",
    "parse",
    "load",
]

ANY_UPS = "*"


@dataclass(frozen=True, slots=True, kw_only=True)
class StartTimer:
    """``START-TIMER name seconds``; ``shared`` for ``START-TIMER-SHARED``."""

    name: str
    interval: int
    shared: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelTimer:
    """``CANCEL-TIMER name [cmd]``; ``matched`` for ``CANCEL-TIMER-MATCHED``.

    ``cmd`` goes to CMDSCRIPT when no timer of that name was running.
    """

    name: str
    cmd: str | None = None
    matched: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Execute:
    """``EXECUTE command``: CMDSCRIPT runs at once with ``command``."""

    command: str


Action = StartTimer | CancelTimer | Execute


@dataclass(frozen=True, slots=True, kw_only=True)
class AtRule:
    """One ``AT`` line: on ``notifytype`` for ``upsname`` (or ``*``), do ``action``."""

    notifytype: NotifyType
    upsname: str
    action: Action
    line: int = 0

    def matches(self, notifytype: str, upsname: str) -> bool:
        """NUT's test: the UPS name exactly (or ``*``), the type in any case."""
        if self.upsname != ANY_UPS and self.upsname != upsname:
            return False
        return self.notifytype.value == notifytype.upper()


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsschedConfig:
    """A whole ``upssched.conf``.

    ``cmdscript`` is the program and its leading arguments (empty: unset).
    ``early_at`` is ``(directive, line)`` for the first ``AT`` line read
    while ``directive`` was still unset; see :meth:`check_ready`.
    """

    path: str = ""
    cmdscript: tuple[str, ...] = ()
    pipefn: str | None = None
    lockfn: str | None = None
    debug_min: int | None = None
    rules: tuple[AtRule, ...] = ()
    early_at: tuple[str, int] | None = None
    warnings: tuple[ConfigWarning, ...] = ()

    def check_ready(self) -> None:
        """Raise NUT's fatal error if an ``AT`` line came before its settings.

        Raises:
            ConfigError: message ``"<DIRECTIVE> must be set before any ATs
                in the config file!"``, word for word as NUT prints it.
        """
        if self.early_at is not None:
            directive, line = self.early_at
            raise ConfigError(
                self.path, line, f"{directive} must be set before any ATs in the config file!"
            )


# AT commands: name -> (least, most) words after the command.
_AT_WORDS = {
    "START-TIMER": (2, 2),
    "START-TIMER-SHARED": (2, 2),
    "CANCEL-TIMER": (1, 2),
    "CANCEL-TIMER-MATCHED": (1, 2),
    "EXECUTE": (1, 1),
}

_AT_USAGE = {
    "START-TIMER": "START-TIMER <timername> <interval>",
    "START-TIMER-SHARED": "START-TIMER-SHARED <timername> <interval>",
    "CANCEL-TIMER": "CANCEL-TIMER <timername> [cmd]",
    "CANCEL-TIMER-MATCHED": "CANCEL-TIMER-MATCHED <timername> [cmd]",
    "EXECUTE": "EXECUTE <command>",
}


def _notifytype(word: str, path: str, line: int) -> NotifyType:
    try:
        return NotifyType(word.upper())
    except ValueError:
        known = ", ".join(t.value for t in NotifyType)
        raise ConfigError(
            path, line, f"AT: unknown notify type {word!r}; expected one of {known}"
        ) from None


def _action(command: str, rest: tuple[str, ...], path: str, line: int) -> Action:
    if command not in _AT_WORDS:
        raise ConfigError(
            path,
            line,
            f"AT: invalid command {command!r}; expected START-TIMER, START-TIMER-SHARED, "
            "CANCEL-TIMER, CANCEL-TIMER-MATCHED or EXECUTE",
        )
    least, _most = _AT_WORDS[command]
    if len(rest) < least:
        raise ConfigError(path, line, f"AT: expected {_AT_USAGE[command]}")
    if command.startswith("START-TIMER"):
        name, seconds = rest[0], rest[1]
        if not is_uint(seconds):
            raise ConfigError(
                path, line, f"AT {command}: interval must be a number of seconds, not {seconds!r}"
            )
        return StartTimer(name=name, interval=int(seconds), shared=command.endswith("SHARED"))
    if command.startswith("CANCEL-TIMER"):
        cmd = rest[1] if len(rest) > 1 and rest[1] else None
        return CancelTimer(name=rest[0], cmd=cmd, matched=command.endswith("MATCHED"))
    if not rest[0]:
        raise ConfigError(path, line, "AT EXECUTE: empty command argument")
    return Execute(command=rest[0])


def parse_upssched_conf(text: str, path: str) -> UpsschedConfig:
    """Parse the text of an ``upssched.conf``.

    Args:
        text: the whole file.
        path: the file name, used in messages.

    Returns:
        The settings and rules in file order; unknown directives, extra
        words and repeated settings are in ``warnings``.

    Raises:
        ConfigError: a known directive NUT could not use, or a tokenizer
            error; it names the file and line and what was expected.
    """
    warnings: list[ConfigWarning] = []
    cmdscript: tuple[str, ...] = ()
    pipefn: str | None = None
    lockfn: str | None = None
    debug_min: int | None = None
    rules: list[AtRule] = []
    early_at: tuple[str, int] | None = None

    def warn(line: int, message: str) -> None:
        warnings.append(ConfigWarning(path=path, line=line, message=message))

    for words in logical_lines(text, path, warnings):
        args, line = words.args, words.lineno
        directive = args[0]
        if directive in ("CMDSCRIPT", "PIPEFN", "LOCKFN", "DEBUG_MIN") and len(args) < 2:
            raise ConfigError(path, line, f"{directive}: expected a value")
        if directive == "CMDSCRIPT":
            if rules and cmdscript:
                warn(line, "CMDSCRIPT set again after AT lines; the last one applies to all")
            cmdscript = args[1:]
            if " " in cmdscript[0]:
                warn(
                    line,
                    f"CMDSCRIPT: command '{cmdscript[0]}' contains spaces, be sure to pass "
                    "any arguments as separately quoted tokens!",
                )
        elif directive in ("PIPEFN", "LOCKFN"):
            if len(args) > 2:
                warn(line, f"{directive}: extra words ignored: {' '.join(args[2:])}")
            if directive == "PIPEFN":
                pipefn = args[1]
            else:
                lockfn = args[1]
        elif directive == "DEBUG_MIN":
            if not is_uint(args[1]):
                raise ConfigError(path, line, f"DEBUG_MIN: expected a number, not {args[1]!r}")
            debug_min = int(args[1])
        elif directive == "AT":
            if len(args) < 5:
                raise ConfigError(
                    path, line, "AT: expected AT <notifytype> <upsname> <command> <argument>"
                )
            if early_at is None:
                for name, value in (
                    ("CMDSCRIPT", cmdscript),
                    ("PIPEFN", pipefn),
                    ("LOCKFN", lockfn),
                ):
                    if not value:
                        early_at = (name, line)
                        break
            command = args[3]
            action = _action(command, args[4:], path, line)
            _least, most = _AT_WORDS[command]
            if len(args) > 4 + most:
                warn(line, f"AT {command}: extra words ignored: {' '.join(args[4 + most :])}")
            rules.append(
                AtRule(
                    notifytype=_notifytype(args[1], path, line),
                    upsname=args[2],
                    action=action,
                    line=line,
                )
            )
        else:
            warn(line, f"invalid directive {' '.join(args)}")

    return UpsschedConfig(
        path=path,
        cmdscript=cmdscript,
        pipefn=pipefn,
        lockfn=lockfn,
        debug_min=debug_min,
        rules=tuple(rules),
        early_at=early_at,
        warnings=tuple(warnings),
    )


def load_upssched_conf(path: str | Path) -> UpsschedConfig:
    """Read and parse ``path``; ``ConfigError`` (no line) if it cannot be read."""
    return parse_upssched_conf(read_config(path), str(path))


# The names the other config modules use.
parse = parse_upssched_conf
load = load_upssched_conf
