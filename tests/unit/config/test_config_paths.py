"""paths: where NUT looks for things, and the environment that moves them."""

from __future__ import annotations

import os

import pytest

from powerdown import paths
from powerdown.config.errors import ConfigError


def test_paths_defaults_are_Debians():
    env: dict[str, str] = {}
    assert paths.confpath(env) == "/etc/nut"
    assert paths.statepath(env) == "/run/nut"
    assert paths.altpidpath(env) == "/run/nut"
    assert paths.pidpath(env) == "/run/nut"
    assert paths.datapath(env) == "/usr/share/nut"
    assert paths.default_port(env) == 3493
    assert paths.conffile("ups.conf", env) == "/etc/nut/ups.conf"


def test_paths_environment_moves_everything():
    env = {
        "NUT_CONFPATH": "/tmp/c",
        "NUT_STATEPATH": "/tmp/s",
        "NUT_ALTPIDPATH": "/tmp/a",
        "NUT_PIDPATH": "/tmp/p",
        "NUT_DATAPATH": "/tmp/d",
        "NUT_PORT": "40001",
    }
    assert paths.confpath(env) == "/tmp/c"
    assert paths.conffile("upsd.users", env) == "/tmp/c/upsd.users"
    assert paths.statepath(env) == "/tmp/s"
    assert paths.altpidpath(env) == "/tmp/a"
    assert paths.pidpath(env) == "/tmp/p"
    assert paths.datapath(env) == "/tmp/d"
    assert paths.default_port(env) == 40001


def test_paths_altpidpath_falls_back_to_NUT_STATEPATH():
    assert paths.altpidpath({"NUT_STATEPATH": "/tmp/s"}) == "/tmp/s"
    assert paths.altpidpath({"NUT_ALTPIDPATH": "", "NUT_STATEPATH": "/tmp/s"}) == "/tmp/s"
    # ...but not pidpath, which only NUT_PIDPATH moves.
    assert paths.pidpath({"NUT_STATEPATH": "/tmp/s"}) == "/run/nut"


def test_paths_empty_variables_count_as_unset():
    env = {
        name: ""
        for name in (
            "NUT_CONFPATH",
            "NUT_STATEPATH",
            "NUT_ALTPIDPATH",
            "NUT_PIDPATH",
            "NUT_DATAPATH",
            "NUT_PORT",
        )
    }
    assert paths.confpath(env) == "/etc/nut"
    assert paths.statepath(env) == "/run/nut"
    assert paths.altpidpath(env) == "/run/nut"
    assert paths.pidpath(env) == "/run/nut"
    assert paths.datapath(env) == "/usr/share/nut"
    assert paths.default_port(env) == 3493


def test_paths_configured_statepath_and_datapath():
    """STATEPATH from ups.conf/upsd.conf beats the default; NUT_STATEPATH beats both."""
    assert paths.statepath({}, configured="/srv/state") == "/srv/state"
    assert paths.statepath({"NUT_STATEPATH": "/tmp/s"}, configured="/srv/state") == "/tmp/s"
    assert paths.datapath({}, configured="/srv/data") == "/srv/data"
    assert paths.datapath({"NUT_DATAPATH": "/tmp/d"}, configured="/srv/data") == "/tmp/d"


def test_paths_read_os_environ_by_default(monkeypatch):
    monkeypatch.setenv("NUT_CONFPATH", "/tmp/from-environ")
    monkeypatch.setenv("NUT_PORT", "12345")
    assert paths.confpath() == "/tmp/from-environ"
    assert paths.default_port() == 12345
    monkeypatch.delenv("NUT_CONFPATH")
    assert paths.confpath() == "/etc/nut"


@pytest.mark.parametrize("value", ["http", "0", "65536", "-1", "3493 ", "３４９３"])
def test_paths_bad_NUT_PORT(value):
    with pytest.raises(ConfigError) as info:
        paths.default_port({"NUT_PORT": value})
    assert str(info.value) == f"NUT_PORT: not a TCP port number: {value!r}"


def test_paths_driver_socket_and_pidfile():
    assert paths.driver_socket("/run/nut", "dummy-ups", "ups1") == "/run/nut/dummy-ups-ups1"
    assert paths.driver_pidfile("/run/nut", "dummy-ups", "ups1") == "/run/nut/dummy-ups-ups1.pid"
    assert os.path.basename(paths.driver_socket("/x/", "d", "u")) == "d-u"
