"""Typed configuration: one YAML file -> :class:`edge.settings.root.GateConfig`.

Every section is a dataclass in its own small module; each field carries a ``doc``
in its metadata. ``edge.settings.loader.load_config(path)`` reads and validates a file
and raises :class:`edge.settings.errors.ConfigError` with ``FILE:LINE: key.path: message``.
"""
