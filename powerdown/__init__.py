"""powerdown: Network UPS Tools done again in Python, wire-compatible with NUT 2.8."""

__version__ = "0.1.0"
