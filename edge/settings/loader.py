"""One YAML file -> :class:`GateConfig`, or a :class:`ConfigError` listing every problem."""
from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

import yaml
from yaml.nodes import MappingNode, Node

from drivers import registry
from edge.settings.errors import ConfigError, ConfigIssue
from edge.settings.fields import DriverConfig
from edge.settings.nodes import find_pair
from edge.settings.root import GateConfig
from edge.settings.schema import INVALID, Validator, is_null

log = logging.getLogger(__name__)

#: A check of what a config names beyond its own text (a file): (config, YAML root, file name)
#: -> problems. See edge.settings.files; plain loading runs none.
Check = Callable[[GateConfig, Optional[Node], str], List[ConfigIssue]]

#: Driver used when a section is absent; card stays absent (temperature-only lane). The thermal
#: sensor has no default: a file without one would get simulated temperatures (see _thermal_issue).
DEFAULT_DRIVERS = {"light": "log"}


def default_config_source() -> Tuple[str, str]:
    """(name, text) of the packaged default config (the demo: simulated devices)."""
    resource = resources.files("edge.settings").joinpath("default.yaml")
    return str(resource), resource.read_text(encoding="utf-8")


def load_config(path: Optional[str], checks: Sequence[Check] = ()) -> GateConfig:
    """Read and validate ``path``; ``None`` loads the packaged default. ``checks`` run on a
    valid config, their problems reported like any other (edge.settings.files.START_CHECKS)."""
    if path is None:
        name, text = default_config_source()
        return load_config_text(text, name, checks)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([ConfigIssue(path, None, "", f"cannot read: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([ConfigIssue(path, None, "", f"cannot read: not UTF-8 text ({exc.reason})")]) from None
    return load_config_text(text, path, checks)


def load_config_text(text: str, name: str = "<config>", checks: Sequence[Check] = ()) -> GateConfig:
    """Validate YAML text; ``name`` is the file name used in messages."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        if exc.context_mark is not None and mark is not None and exc.context_mark.line != mark.line:
            # An unclosed quote or bracket is found where the file ends: point at its start too.
            context = f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
        line = mark.line + 1 if mark is not None else None
        raise ConfigError([ConfigIssue(name, line, "", f"YAML syntax error: {problem}{context}")]) from None
    except yaml.reader.ReaderError as exc:  # a control character: the reader gives a position only
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ConfigError([ConfigIssue(name, line, "", f"YAML syntax error: control character #x{code:04x} "
                                                       f"({exc.reason}): retype the line")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([ConfigIssue(name, None, "", f"YAML syntax error: {exc}")]) from None
    validator = Validator(name)
    config = validator.dataclass(node, GateConfig, "")
    thermal = _thermal_issue(node, name)
    issues = validator.issues + ([thermal] if thermal is not None else [])
    if issues or config is INVALID:
        raise ConfigError(issues)
    _apply_default_drivers(config, name)
    issues = [issue for check in checks for issue in check(config, node, name)]
    if issues:
        raise ConfigError(issues)
    return config


def _thermal_issue(root: Optional[Node], name: str) -> Optional[ConfigIssue]:
    """A config file must name its thermal sensor: a default simulated one next to a real card
    reader would screen real people on invented temperatures. (The demo's file names 'sim'.)"""
    want = f"expected a section with 'type:' naming the thermal sensor ({', '.join(registry.driver_types('thermal'))})"
    if root is None or is_null(root):  # (also '---', '~' or 'null' alone: a null document)
        return ConfigIssue(name, 1, "thermal", f"the file has no settings (empty, only comments or null); {want}")
    if not isinstance(root, MappingNode):
        return None  # the validator reports the file is not a mapping
    pair = find_pair(root, "thermal")
    if pair is None:
        return ConfigIssue(name, root.start_mark.line + 1, "thermal", f"missing section; {want}")
    if is_null(pair[1]):
        return ConfigIssue(name, pair[0].start_mark.line + 1, "thermal", f"empty section; {want}")
    return None  # anything else is the validator's to judge


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
