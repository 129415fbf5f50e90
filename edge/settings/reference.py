"""Markdown reference of every config key, generated from the settings dataclasses.

Generated rather than written so that it cannot drift from the code: every section, key,
type, default, bound and doc, and the options of every registered driver.
"""
from __future__ import annotations

import dataclasses
import re
import sys
import typing
from typing import Any, List, Literal, Union

import yaml

from drivers import registry
from edge.settings.fields import DriverConfig, SecretRef
from edge.settings.root import GateConfig
from edge.settings.schema import yaml_key

HEADER = """# Gate Edge configuration reference

One YAML file configures a gate lane (`gate-edge run --config FILE`). Check a file with
`gate-edge check-config FILE`: every problem is reported as `FILE:LINE: key.path: message`.
Unknown keys are errors. A key left out takes its default; an empty value means "not set".
Numbers must be finite: `.nan` and `.inf` are refused.
Secrets are never written inline: give `{file: PATH}`, `{env: NAME}` or `{credential: NAME}`
(a systemd `LoadCredential=` name).
"""


def type_text(tp: Any) -> str:
    """A type as a technician reads it."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Union:
        inner = [a for a in args if a is not type(None)]
        text = " or ".join(type_text(a) for a in inner)
        return f"{text} or empty" if len(inner) < len(args) else text
    if origin is Literal:
        return "one of: " + ", ".join(f"`{c}`" for c in args)
    if origin in (list, set, frozenset) or (origin is tuple and args[-1:] == (Ellipsis,)):
        return f"list of {type_text(args[0]) if args else 'values'}"
    if origin is tuple:
        return "list: [" + ", ".join(type_text(a) for a in args) + "]"
    if origin is dict:
        return f"mapping of names to {type_text(args[1])}"
    if tp is SecretRef:
        return "secret: `{file: PATH}`, `{env: NAME}` or `{credential: NAME}`"
    if tp is DriverConfig:
        return "device: `type:` + driver options"
    if dataclasses.is_dataclass(tp):
        return "section"
    return {str: "text", int: "integer", float: "number", bool: "true/false"}.get(tp, str(tp))


def default_text(field: dataclasses.Field, base: Any = None) -> str:
    """``base``: the enclosing section's own default instance, whose values are the defaults
    of its keys (signals.fever is not signals.pass)."""
    if base is not None:
        value = getattr(base, field.name)
    elif field.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        value = field.default_factory()  # type: ignore[misc]
    elif field.default is dataclasses.MISSING:
        return "**required**"
    else:
        value = field.default
    if dataclasses.is_dataclass(value):
        return "see below"
    if value is None:
        return "empty"
    if isinstance(value, (tuple, list, set, frozenset)):
        value = list(value)
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()
    return f"`{text.removesuffix('...').strip()}`"


def range_text(meta: typing.Mapping[str, Any]) -> str:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and high is not None:
        return f"{low:g} .. {high:g}"
    if low is not None:
        return f">= {low:g}"
    if high is not None:
        return f"<= {high:g}"
    return ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _section_type(tp: Any) -> Any:
    """The dataclass a field opens as a sub-section, if any (through Optional)."""
    args = [a for a in typing.get_args(tp) if a is not type(None)] if typing.get_origin(tp) is Union else [tp]
    if len(args) == 1 and dataclasses.is_dataclass(args[0]) and args[0] not in (SecretRef, DriverConfig):
        return args[0]
    return None


def render_table(cls: type, path: str, level: int, skip: typing.Tuple[str, ...] = (), base: Any = None) -> List[str]:
    """Table of ``cls``'s keys, then a sub-section per nested dataclass."""
    hints = typing.get_type_hints(cls)
    fields = [f for f in dataclasses.fields(cls) if f.init and yaml_key(f.name) not in skip]
    out = ["| key | type | default | range | description |", "|---|---|---|---|---|"]
    nested = []
    for f in fields:
        key, tp = yaml_key(f.name), hints[f.name]
        out.append(f"| `{key}` | {_cell(type_text(tp))} | {_cell(default_text(f, base))} | {range_text(f.metadata)} "
                   f"| {_cell(f.metadata.get('doc', ''))} |")
        if _section_type(tp) is not None:
            nested.append((key, _section_type(tp), f))
    if not fields:
        out = ["No options."]
    for key, sub, f in nested:
        sub_path = f"{path}.{key}" if path else key
        docs = [d for d in (f.metadata.get("doc", ""), _doc(sub)) if d]
        out += ["", f"{'#' * level} `{sub_path}`", "", " ".join(dict.fromkeys(docs)), ""]
        own = f.default_factory() if f.default_factory is not dataclasses.MISSING else None  # type: ignore[misc]
        out += render_table(sub, sub_path, level + 1, base=own if dataclasses.is_dataclass(own) else None)
    return out


# Docstrings cite the developers' design notes, which are not shipped with the gate:
# "(..., DESIGN.md section 3)" keeps its parenthesis, "(DESIGN.md section 1)" goes.
_CITED_LAST = re.compile(r", DESIGN\.md (?:section )?\d+\)")
_CITED_ALONE = re.compile(r" \(DESIGN\.md (?:section )?\d+\)")


def _doc(obj: Any) -> str:
    text = (obj.__doc__ or "").strip()
    first = " ".join(text.split("\n\n")[0].split())
    return _CITED_ALONE.sub("", _CITED_LAST.sub(")", first))


def render_drivers(role: str, key: str) -> List[str]:
    out: List[str] = []
    for type_name in registry.driver_types(role):
        out += ["", f"### `{key}: {{type: {type_name}}}`", ""]
        try:
            cls = registry.driver_class(role, type_name)
        except (ImportError, TypeError) as exc:
            out.append(f"Not available in this installation: {exc}")
            continue
        doc = _doc(cls) or _doc(sys.modules.get(cls.__module__))
        if doc:
            out += [doc, ""]
        out += render_table(cls.Options, key, 4)
    return out


def render_reference() -> str:
    """The whole reference as Markdown."""
    out = [HEADER]
    hints = typing.get_type_hints(GateConfig)
    for f in dataclasses.fields(GateConfig):
        key, tp = yaml_key(f.name), hints[f.name]
        out += [f"## `{key}`", ""]
        role = f.metadata.get("role")
        if role:
            types = ", ".join(registry.driver_types(role))
            out += [f.metadata.get("doc", ""), "",
                    f"`type:` selects the driver ({types}); the section's other keys are that driver's options."]
            out += render_drivers(role, key)
        else:
            section = _section_type(tp)
            out += [_doc(section) or f.metadata.get("doc", ""), ""] + render_table(section, key, 3)
        out.append("")
    return "\n".join(out) + "\n"
