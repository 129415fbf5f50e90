"""Validate a composed YAML node tree against a dataclass type, collecting every problem.

Generic over any dataclass built with :func:`edge.settings.fields.setting`: types come
from ``typing.get_type_hints``, bounds and driver roles from field metadata. Each problem
becomes a :class:`ConfigIssue` with the line of the offending node, so one run of
``check-config`` shows the technician everything that is wrong in the file.
"""
from __future__ import annotations

import dataclasses
import math
import typing
from typing import Any, Dict, List, Literal, Mapping, Optional, Tuple, Union

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from drivers import registry
from edge.settings.errors import ConfigIssue, FieldError
from edge.settings.fields import DriverConfig, SecretRef
from edge.settings.nodes import key_node
from edge.settings.suggest import did_you_mean

INVALID: Any = object()  # marks a value that failed; its issue is already recorded

_TAG = "tag:yaml.org,2002:"
NULL, BOOL, INT, FLOAT = _TAG + "null", _TAG + "bool", _TAG + "int", _TAG + "float"
INLINE_SECRET = "secrets may not be inline; use {file: PATH}, {env: NAME} or {credential: NAME}"
SECRET_KEYS = ("file", "env", "credential")
_KIND = {ScalarNode: "a single value", SequenceNode: "a list", MappingNode: "a mapping"}
Pairs = List[Tuple[ScalarNode, Node]]


def yaml_key(name: str) -> str:
    """YAML key of a dataclass field: ``pass_`` -> ``pass``."""
    return name.removesuffix("_")


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def is_null(node: Optional[Node]) -> bool:
    return node is None or (isinstance(node, ScalarNode) and node.tag == NULL)


def _kind(node: Node) -> str:
    if isinstance(node, ScalarNode):
        return "nothing" if node.tag == NULL else f"'{node.value}'"
    return _KIND.get(type(node), "something else")


def _num(x: float) -> str:
    return f"{x:g}"


class Validator:
    """One pass over one file; ``issues`` collects every problem found."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.issues: List[ConfigIssue] = []
        self._yaml = yaml.constructor.SafeConstructor()

    def error(self, node: Optional[Node], path: str, message: str) -> Any:
        line = node.start_mark.line + 1 if node is not None else None
        self.issues.append(ConfigIssue(self.filename, line, path, message))
        return INVALID

    # -- dispatch ----------------------------------------------------------------
    def value(self, node: Optional[Node], tp: Any, path: str, meta: Mapping[str, Any]) -> Any:
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if tp is Any:
            return None if node is None else self._yaml.construct_object(node, deep=True)
        if origin is Union:
            return self._union(node, args, path, meta)
        if origin is Literal:
            return self._literal(node, args, path)
        if origin in (list, tuple, set, frozenset):
            return self._sequence(node, origin, args, path, meta)
        if origin is dict:
            return self._mapping(node, args[1] if args else Any, path, meta)
        if tp is DriverConfig:
            return self._driver(node, path, meta.get("role"))
        if tp is SecretRef:
            return self._secret(node, path)
        if dataclasses.is_dataclass(tp):
            return self.dataclass(node, tp, path)
        if tp in (bool, int, float, str):
            return self._scalar(node, tp, path, meta)
        raise TypeError(f"config type {tp!r} (at '{path}') is not supported by edge.settings.schema")

    # -- structures ----------------------------------------------------------------
    def pairs(self, node: MappingNode, path: str) -> Pairs:
        """Key/value nodes of a mapping; bad and duplicate keys are reported and dropped."""
        seen: Dict[str, int] = {}
        out: Pairs = []
        for key, val in node.value:
            if not isinstance(key, ScalarNode) or is_null(key):
                self.error(key, path, "keys must be plain names")
                continue
            if key.value in seen:
                self.error(key, join(path, key.value), f"duplicate key (first given on line {seen[key.value]})")
                continue
            seen[key.value] = key.start_mark.line + 1
            out.append((key, val))
        return out

    def dataclass(self, node: Optional[Node], cls: type, path: str,
                  pairs: Optional[Pairs] = None, skip: Tuple[str, ...] = (), base: Any = None) -> Any:
        """An instance of ``cls`` from a mapping (or nothing: all defaults). Keys left out
        take their value from ``base`` when given (the field's own default instance), else
        the class defaults."""
        if pairs is None:
            if is_null(node):
                pairs = []
            elif not isinstance(node, MappingNode):
                return self.error(node, path, f"expected a mapping of settings (key: value), got {_kind(node)}")
            else:
                pairs = self.pairs(node, path)
        hints = typing.get_type_hints(cls)
        fields = {yaml_key(f.name): f for f in dataclasses.fields(cls) if f.init}
        kwargs: Dict[str, Any] = {}
        given = set(skip)
        ok = True
        for key, val in pairs:
            name = key.value
            if name in skip:
                continue
            given.add(name)
            field = fields.get(name)
            if field is None:
                word = "section" if not path else "key"
                hint = did_you_mean(name, fields) or f" (allowed: {', '.join(fields)})"
                self.error(key, join(path, name), f"unknown {word}{hint}")
                ok = False
                continue
            hint = hints[field.name]
            if dataclasses.is_dataclass(hint) and field.default_factory is not dataclasses.MISSING:
                # A section whose default is its own instance (signals.fever: red, buzzer, until
                # acknowledged): a partial section keeps the rest of that default, not the class's.
                built = self.dataclass(val, hint, join(path, name), base=field.default_factory())
            else:
                built = self.value(val, hint, join(path, name), field.metadata)
            result = self._checked(val, built, join(path, name), field.metadata)
            if result is INVALID:
                ok = False
            else:
                kwargs[field.name] = result
        missing = [name for name, field in fields.items() if name not in given
                   and field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING]
        if missing:
            keys = ", ".join(f"'{name}'" for name in missing)
            self.error(node, path, f"missing required key{'s' if len(missing) > 1 else ''} {keys}")
            ok = False
        if not ok:
            return INVALID
        if base is not None:
            for f in dataclasses.fields(cls):
                if f.init and f.name not in kwargs and yaml_key(f.name) not in given:
                    kwargs[f.name] = getattr(base, f.name)
        try:
            return cls(**kwargs)
        except FieldError as exc:  # checks across keys, each blamed on its own key
            for key, message in exc.problems:
                self.error(key_node(node, key) or node, join(path, key), message)
            return INVALID
        except (TypeError, ValueError) as exc:  # a dataclass's own __post_init__ checks
            return self.error(node, path, str(exc))

    def _checked(self, node: Node, value: Any, path: str, meta: Mapping[str, Any]) -> Any:
        """``value`` once the field's own ``check`` (see fields.setting) accepts it."""
        check = meta.get("check")
        if check is None or value is INVALID or value is None:
            return value
        try:
            check(value)
        except ValueError as exc:
            return self.error(node, path, str(exc))
        return value

    def _sequence(self, node: Optional[Node], origin: type, args: Tuple[Any, ...], path: str,
                  meta: Mapping[str, Any]) -> Any:
        if not isinstance(node, SequenceNode):
            return self.error(node, path, f"expected a list, got {_kind(node) if node else 'nothing'}")
        items = node.value
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(items) != len(args):
                return self.error(node, path, f"expected a list of {len(args)} values, got {len(items)}")
            types = list(args)
        else:
            types = [args[0] if args else Any] * len(items)
        values = [self.value(item, t, f"{path}[{i}]", meta) for i, (item, t) in enumerate(zip(items, types))]
        if any(v is INVALID for v in values):
            return INVALID
        return origin(values)

    def _mapping(self, node: Optional[Node], value_tp: Any, path: str, meta: Mapping[str, Any]) -> Any:
        if is_null(node):
            return {}
        if not isinstance(node, MappingNode):
            return self.error(node, path, f"expected a mapping (key: value), got {_kind(node)}")
        out = {key.value: self.value(val, value_tp, join(path, key.value), meta) for key, val in self.pairs(node, path)}
        return INVALID if any(v is INVALID for v in out.values()) else out

    # -- special types ---------------------------------------------------------------
    def _driver(self, node: Optional[Node], path: str, role: Optional[str]) -> Any:
        if role not in registry.DRIVERS:
            raise TypeError(f"DriverConfig field '{path}' needs metadata role= one of {sorted(registry.DRIVERS)}")
        types = registry.driver_types(role)
        if not isinstance(node, MappingNode):
            return self.error(node, path, f"expected a mapping with 'type:' ({', '.join(types)}) and the "
                                          f"driver's options, got {_kind(node) if node else 'nothing'}")
        pairs = self.pairs(node, path)
        type_node = next((val for key, val in pairs if key.value == "type"), None)
        if type_node is None:
            near = [key for key, _ in pairs if did_you_mean(key.value, ["type"])]
            for key in near:
                self.error(key, join(path, key.value), "unknown key; did you mean 'type'?")
            if not near:
                self.error(node, path, f"missing required key 'type' (one of: {', '.join(types)})")
            return INVALID
        type_name = self._scalar(type_node, str, join(path, "type"), {})
        if type_name is INVALID:
            return INVALID
        try:
            cls = registry.driver_class(role, type_name)
        except registry.UnknownDriver:
            hint = did_you_mean(type_name, types)
            return self.error(type_node, join(path, "type"),
                              f"unknown {role} driver '{type_name}'{hint} (available: {', '.join(types)})")
        except ImportError as exc:  # e.g. a driver whose library is not installed on this box
            return self.error(type_node, join(path, "type"), f"{role} driver '{type_name}' cannot be loaded: {exc}")
        options = self.dataclass(node, cls.Options, path, pairs=pairs, skip=("type",))
        return INVALID if options is INVALID else DriverConfig(type_name, options)

    def _secret(self, node: Optional[Node], path: str) -> Any:
        if isinstance(node, ScalarNode) and not is_null(node):
            return self.error(node, path, INLINE_SECRET)
        ref = self.dataclass(node, SecretRef, path)
        if ref is INVALID:
            return INVALID
        if sum(1 for key in SECRET_KEYS if getattr(ref, key)) != 1:
            return self.error(node, path, "give exactly one of file, env or credential")
        return ref

    def _union(self, node: Optional[Node], args: Tuple[Any, ...], path: str, meta: Mapping[str, Any]) -> Any:
        options = [a for a in args if a is not type(None)]
        if is_null(node) and len(options) < len(args):
            return None
        if len(options) == 1:
            return self.value(node, options[0], path, meta)
        for option in options:  # first type that takes the value without complaint
            trial = Validator(self.filename)
            result = trial.value(node, option, path, meta)
            if result is not INVALID:
                return result
        return self.error(node, path, f"{_kind(node) if node else 'nothing'} fits none of the allowed forms")

    def _literal(self, node: Optional[Node], choices: Tuple[Any, ...], path: str) -> Any:
        allowed = ", ".join(str(c) for c in choices)
        if not isinstance(node, ScalarNode) or is_null(node):
            return self.error(node, path, f"expected one of: {allowed}")
        if all(isinstance(c, str) for c in choices):
            given: Any = node.value  # raw text: `protocol: 5` means "5"
        else:
            given = self._yaml.construct_object(node)
        if given in choices:
            return next(c for c in choices if c == given)
        hint = did_you_mean(str(given), [str(c) for c in choices])
        return self.error(node, path, f"'{node.value}' is not allowed; use one of: {allowed}{hint}")

    def _scalar(self, node: Optional[Node], tp: type, path: str, meta: Mapping[str, Any]) -> Any:
        want = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}[tp]
        if not isinstance(node, ScalarNode) or is_null(node):
            return self.error(node, path, f"expected {want}, got {_kind(node) if node else 'nothing'}")
        if tp is str:
            if node.tag == BOOL:
                return self.error(node, path, f"expected text, got the boolean {node.value}; quote it: '{node.value}'")
            return node.value
        if tp is bool:
            if node.tag != BOOL:
                return self.error(node, path, f"expected true or false, got {_kind(node)}")
            return self._yaml.construct_yaml_bool(node)
        if node.tag not in ((INT,) if tp is int else (INT, FLOAT)):
            return self.error(node, path, f"expected {want}, got {_kind(node)}")
        if ":" in node.value:  # YAML 1.1 base 60: 1:30 is 90, a typo for 1.30 or a time of day
            return self.error(node, path, f"expected {want}, got {node.value} (YAML reads it as a base-60 number); "
                                          "write the number itself")
        number = self._yaml.construct_yaml_int(node) if node.tag == INT else self._yaml.construct_yaml_float(node)
        if not math.isfinite(number):  # NaN passes every bound check: a NaN threshold never fires
            return self.error(node, path, f"expected a finite number, got {node.value}")
        low, high = meta.get("min"), meta.get("max")
        if low is not None and number < low:
            return self.error(node, path, f"must be at least {_num(low)} (got {node.value})")
        if high is not None and number > high:
            return self.error(node, path, f"must be at most {_num(high)} (got {node.value})")
        return tp(number)
