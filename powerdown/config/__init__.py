"""NUT's configuration files, one module each: ``parse(text, path)`` and ``load(path)``.

``upsconf`` (ups.conf), ``upsdconf`` (upsd.conf), ``users`` (upsd.users),
``nutconf`` (nut.conf); problems are ``errors.ConfigError`` (fatal) or
``errors.ConfigWarning`` values in each model's ``warnings``.
"""

from __future__ import annotations

from powerdown.config.errors import ConfigError, ConfigWarning

__all__ = ["ConfigError", "ConfigWarning"]
