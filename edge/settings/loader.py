"""One YAML file -> :class:`GateConfig`, or a :class:`ConfigError` listing every problem."""
from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import Optional, Tuple

import yaml

from drivers import registry
from edge.settings.errors import ConfigError, ConfigIssue
from edge.settings.fields import DriverConfig
from edge.settings.root import GateConfig
from edge.settings.schema import INVALID, Validator

log = logging.getLogger(__name__)

#: Driver used when a section is absent; card stays absent (temperature-only lane).
DEFAULT_DRIVERS = {"thermal": "sim", "light": "log"}


def default_config_source() -> Tuple[str, str]:
    """(name, text) of the packaged default config (the demo: simulated devices)."""
    resource = resources.files("edge.settings").joinpath("default.yaml")
    return str(resource), resource.read_text(encoding="utf-8")


def load_config(path: Optional[str]) -> GateConfig:
    """Read and validate ``path``; ``None`` loads the packaged default."""
    if path is None:
        name, text = default_config_source()
        return load_config_text(text, name)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([ConfigIssue(path, None, "", f"cannot read: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([ConfigIssue(path, None, "", f"cannot read: not UTF-8 text ({exc.reason})")]) from None
    return load_config_text(text, path)


def load_config_text(text: str, name: str = "<config>") -> GateConfig:
    """Validate YAML text; ``name`` is the file name used in messages."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        line = mark.line + 1 if mark is not None else None
        raise ConfigError([ConfigIssue(name, line, "", f"YAML syntax error: {problem}{context}")]) from None
    except yaml.YAMLError as exc:  # e.g. a control character the reader refuses
        raise ConfigError([ConfigIssue(name, None, "", f"YAML syntax error: {exc}")]) from None
    validator = Validator(name)
    config = validator.dataclass(node, GateConfig, "")
    if validator.issues or config is INVALID:
        raise ConfigError(validator.issues)
    _apply_default_drivers(config, name)
    return config


def _apply_default_drivers(config: GateConfig, name: str) -> None:
    for role, type_name in DEFAULT_DRIVERS.items():
        if getattr(config, role) is not None:
            continue
        try:
            options = registry.driver_class(role, type_name).Options()
        except (ImportError, TypeError) as exc:
            raise ConfigError([ConfigIssue(name, None, role, f"no '{role}:' section and the default driver "
                                                              f"'{type_name}' cannot be set up: {exc}")]) from None
        setattr(config, role, DriverConfig(type_name, options))
