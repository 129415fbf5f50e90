"""Gate Edge: the daemon core (config, lane, measurement, policy, store, sync, screen, CLI)."""

__version__ = "0.1.0"
