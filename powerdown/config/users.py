"""``upsd.users``: who may log in, set variables, run commands or force a shutdown.

Strategy
--------
Read as ``server/user.c`` reads it: ``[name]`` opens a user; ``password``,
``actions``, ``instcmds`` and ``upsmon`` set its rights; several
``actions``/``instcmds`` lines add up, and one line may list several
values (``actions = SET FSD``).  Names of settings are matched without case,
user names and passwords with case.

Rights, as upsd checks them (``user_checkaction``/``user_checkinstcmd``,
``netuser.c``, ``netset.c``, ``netmisc.c``, ``netinstcmd.c``):

* ``upsmon primary`` (or the old ``master``) grants the actions LOGIN,
  MASTER and FSD; ``upsmon secondary`` (or ``slave``) grants LOGIN.  The
  same actions may also be listed by hand.
* ``LOGIN`` needs action LOGIN; ``PRIMARY``/``MASTER`` needs PRIMARY or
  MASTER; ``SET`` needs SET; ``FSD`` needs FSD; ``INSTCMD x`` needs ``x``
  or ``all`` among the instcmds.  Actions and commands match without case.
* A user without a password can do none of these, and a wrong password
  fails every check.

Everything NUT only logs is a warning here.  One deliberate difference: NUT
ignores a repeated ``[name]`` but then applies that section's lines to the
user before it; we ignore the whole repeated section, so no one gets
rights meant for someone else.  Warnings never quote values: this file
holds passwords.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from powerdown.config._common import logical_lines, read_config
from powerdown.config.errors import ConfigWarning

__all__ = ["UpsmonRole", "User", "UsersConf", "parse", "load"]

UpsmonRole = Literal["primary", "secondary"]

_ROLES: dict[str, UpsmonRole] = {
    "primary": "primary",
    "master": "primary",
    "secondary": "secondary",
    "slave": "secondary",
}
# What each upsmon role adds to a user's actions (user.c set_upsmon_type).
_ROLE_ACTIONS: dict[UpsmonRole | None, frozenset[str]] = {
    "primary": frozenset({"LOGIN", "MASTER", "FSD"}),
    "secondary": frozenset({"LOGIN"}),
    None: frozenset(),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """One ``[name]`` section of ``upsd.users``.

    ``actions`` are the actions listed in the file, upper-cased;
    ``instcmds`` the listed commands, lower-cased (``all`` means every one).
    ``upsmon`` is the role from an ``upsmon`` line; its implied actions are
    in :attr:`granted_actions`, not in ``actions``.
    """

    name: str
    password: str | None = field(default=None, repr=False)
    actions: frozenset[str] = frozenset()
    instcmds: frozenset[str] = frozenset()
    upsmon: UpsmonRole | None = None
    lineno: int = 0

    @property
    def granted_actions(self) -> frozenset[str]:
        """Listed actions plus those the ``upsmon`` role implies."""
        return self.actions | _ROLE_ACTIONS[self.upsmon]

    def has_action(self, action: str) -> bool:
        return action.upper() in self.granted_actions

    def check_password(self, password: str | None) -> bool:
        """Whether ``password`` is this user's; a user without one never matches."""
        if self.password is None or password is None:
            return False
        return hmac.compare_digest(self.password.encode(), password.encode())

    def can_login(self) -> bool:
        """``LOGIN <ups>``: action LOGIN (any ``upsmon`` role has it)."""
        return self.has_action("LOGIN")

    def can_primary(self) -> bool:
        """``PRIMARY``/``MASTER <ups>``: action PRIMARY or MASTER (``upsmon primary``)."""
        return self.has_action("PRIMARY") or self.has_action("MASTER")

    def can_set(self) -> bool:
        """``SET VAR``: action SET."""
        return self.has_action("SET")

    def can_fsd(self) -> bool:
        """``FSD <ups>``: action FSD (``upsmon primary`` has it)."""
        return self.has_action("FSD")

    def can_instcmd(self, cmd: str) -> bool:
        """``INSTCMD <ups> <cmd>``: ``cmd`` or ``all`` listed, any case."""
        return "all" in self.instcmds or cmd.lower() in self.instcmds


@dataclass(frozen=True, slots=True, kw_only=True)
class UsersConf:
    """A whole ``upsd.users``: users by name, in file order."""

    users: Mapping[str, User] = field(default_factory=lambda: MappingProxyType({}))
    warnings: tuple[ConfigWarning, ...] = ()

    def get(self, username: str | None) -> User | None:
        return None if username is None else self.users.get(username)

    def check_action(self, username: str | None, password: str | None, action: str) -> bool:
        """upsd's ``user_checkaction``: known user, right password, action granted."""
        user = self.get(username)
        return user is not None and user.check_password(password) and user.has_action(action)

    def check_instcmd(self, username: str | None, password: str | None, cmd: str) -> bool:
        """upsd's ``user_checkinstcmd``: known user, right password, command granted."""
        user = self.get(username)
        return user is not None and user.check_password(password) and user.can_instcmd(cmd)


class _UserBuilder:
    __slots__ = ("name", "lineno", "password", "actions", "instcmds", "roles")

    def __init__(self, name: str, lineno: int) -> None:
        self.name = name
        self.lineno = lineno
        self.password: str | None = None
        self.actions: set[str] = set()
        self.instcmds: set[str] = set()
        self.roles: set[UpsmonRole] = set()

    def build(self) -> User:
        # Rights only add up, so a user named both ways is a primary.
        role: UpsmonRole | None = None
        if "primary" in self.roles:
            role = "primary"
        elif "secondary" in self.roles:
            role = "secondary"
        return User(
            name=self.name,
            password=self.password,
            actions=frozenset(self.actions),
            instcmds=frozenset(self.instcmds),
            upsmon=role,
            lineno=self.lineno,
        )


class _Reader:
    """The walk over one file; ``current`` is the user lines apply to."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.warnings: list[ConfigWarning] = []
        self.users: dict[str, _UserBuilder] = {}
        self.current: _UserBuilder | None = None
        self.skipping = False  # inside a repeated [name]

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(ConfigWarning(path=self.path, line=line, message=message))

    def line(self, args: tuple[str, ...], lineno: int) -> None:
        first = args[0]
        if first.lower() == "user":
            self.warn(lineno, "old-style 'user' line ignored")
            return
        if "=" in first:
            # 'name=value' kept as one word (quoted or escaped '=').
            var, _, value = first.partition("=")
            self.setting(var, (value, *args[1:]), lineno)
            return
        if len(first) >= 2 and first.startswith("[") and first.endswith("]"):
            self.section(first[1:-1], lineno)
            return
        if len(args) >= 3 and args[1] == "=":
            self.setting(first, args[2:], lineno)
        elif len(args) >= 2 and first.lower() == "upsmon":
            self.setting(first, args[1:2], lineno)
        else:
            self.warn(lineno, "line ignored: expected 'name = value' or 'upsmon <role>'")

    def section(self, name: str, lineno: int) -> None:
        if name in self.users:
            self.warn(lineno, f"Ignoring duplicate user {name}")
            self.current, self.skipping = None, True
            return
        self.current = self.users[name] = _UserBuilder(name, lineno)
        self.skipping = False

    def setting(self, var: str, values: tuple[str, ...], lineno: int) -> None:
        user = self.current
        key = var.lower()
        if user is None:
            if not self.skipping:
                self.warn(lineno, f"Ignoring {key} definition outside user section")
            return
        if key == "password":
            if user.password is not None or len(values) > 1:
                self.warn(lineno, f"Ignoring duplicate password for {user.name}")
            if user.password is None:
                user.password = values[0]
        elif key == "actions":
            user.actions.update(v.upper() for v in values if v)
        elif key == "instcmds":
            user.instcmds.update(v.lower() for v in values if v)
        elif key == "upsmon":
            for value in values:
                role = _ROLES.get(value.lower())
                if role is None:
                    self.warn(lineno, f"Unknown upsmon type {value}")
                else:
                    user.roles.add(role)
        elif key == "allowfrom":
            self.warn(lineno, "allowfrom in upsd.users is no longer used")
        else:
            self.warn(lineno, f"Unrecognized user setting {var}")


def parse(text: str, path: str) -> UsersConf:
    """Parse the text of an ``upsd.users``.

    Args:
        text: the whole file.
        path: the file name, used only in messages.

    Returns:
        The users; everything NUT would only log is in ``warnings``.

    Raises:
        ConfigError: a tokenizer error (such as ``#`` inside quotes).
    """
    reader = _Reader(path)
    for words in logical_lines(text, path, reader.warnings):
        reader.line(words.args, words.lineno)
    users: dict[str, User] = {}
    for name, builder in reader.users.items():
        users[name] = builder.build()
        if builder.password is None:
            reader.warn(builder.lineno, f"user {name} has no password and can do nothing")
    return UsersConf(users=MappingProxyType(users), warnings=tuple(reader.warnings))


def load(path: str | Path) -> UsersConf:
    """Read and parse ``path``; ``ConfigError`` if it cannot be read.

    upsd itself only warns when this file is missing and then knows no
    users; a caller that wants that can catch the error.
    """
    return parse(read_config(path), str(path))
