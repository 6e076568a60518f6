"""Shared fixtures: sandboxed NUT peers (tests.support.fixtures)."""

pytest_plugins = ["tests.support.fixtures"]
