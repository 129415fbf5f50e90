"""The validation engine on its own: any dataclass, every supported type."""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, FrozenSet, List, Optional, Tuple, Union

import pytest
import yaml

from drivers import registry
from edge.settings.fields import DriverConfig, setting
from edge.settings.root import GateConfig
from edge.settings.schema import INVALID, Validator


@dataclasses.dataclass
class Inner:
    name: str = setting(doc="required name")
    weight: float = setting(1.0, min=0, max=10, doc="bounded")


@dataclasses.dataclass
class Window:
    lo: float = setting(0.0, doc="low")
    hi: float = setting(1.0, doc="high")

    def __post_init__(self) -> None:
        if self.lo > self.hi:
            raise ValueError(f"lo ({self.lo:g}) must not be above hi ({self.hi:g})")


@dataclasses.dataclass
class Sample:
    pair: Tuple[float, float] = setting((0.0, 0.0), min=-5, max=5, doc="two numbers")
    many: Tuple[str, ...] = setting((), doc="any number of names")
    tags: FrozenSet[str] = setting(frozenset(), doc="a set")
    limits: Dict[str, int] = setting(factory=dict, min=0, doc="per-name limits")
    items: List[Inner] = setting(factory=list, doc="nested list")
    either: Union[int, str] = setting(0, doc="a number or a name")
    window: Window = setting(factory=Window, doc="checked by __post_init__")
    maybe: Optional[Inner] = setting(None, doc="optional nested")
    raw: Any = setting(None, doc="anything")


def validate(text: str, cls: type = Sample) -> Tuple[Any, List[str]]:
    v = Validator("s.yaml")
    result = v.dataclass(yaml.compose(text, Loader=yaml.SafeLoader), cls, "")
    return result, [str(issue) for issue in v.issues]


def test_collections_unions_and_nested() -> None:
    result, issues = validate("pair: [1, 2.5]\nmany: [a, b, c]\ntags: [x, x, y]\nlimits: {a: 3}\n"
                              "items: [{name: n1}, {name: n2, weight: 2}]\neither: gate\n"
                              "maybe: {name: m}\nraw: {k: [1, 2]}\n")
    assert issues == []
    assert result.pair == (1.0, 2.5) and result.many == ("a", "b", "c") and result.tags == frozenset({"x", "y"})
    assert result.limits == {"a": 3} and [i.name for i in result.items] == ["n1", "n2"]
    assert result.items[1].weight == 2.0 and result.either == "gate" and result.maybe == Inner("m")
    assert result.raw == {"k": [1, 2]}
    assert validate("either: 7\n")[0].either == 7


def test_errors_inside_collections_carry_index_paths_and_lines() -> None:
    result, issues = validate("pair: [1, 9]\nlimits:\n  a: -1\nitems:\n  - {name: ok}\n  - {weight: 3}\n"
                              "tags: x\n")
    assert result is INVALID
    assert issues == [
        "s.yaml:1: pair[1]: must be at most 5 (got 9)",
        "s.yaml:3: limits.a: must be at least 0 (got -1)",
        "s.yaml:6: items[1]: missing required key 'name'",
        "s.yaml:7: tags: expected a list, got 'x'",
    ]
    assert validate("pair: [1, 2, 3]\n")[1] == ["s.yaml:1: pair: expected a list of 2 values, got 3"]


def test_post_init_check_becomes_an_issue() -> None:
    assert validate("window:\n  lo: 3\n  hi: 1\n")[1] == ["s.yaml:2: window: lo (3) must not be above hi (1)"]


def test_unsupported_type_is_a_programming_error() -> None:
    @dataclasses.dataclass
    class Bad:
        when: complex = setting(0j, doc="not a config type")

    with pytest.raises(TypeError, match="not supported"):
        validate("when: 1\n", Bad)


def test_driver_field_needs_a_role() -> None:
    @dataclasses.dataclass
    class NoRole:
        dev: Optional[DriverConfig] = setting(None, doc="missing role")

    with pytest.raises(TypeError, match="role"):
        validate("dev: {type: log}\n", NoRole)


def test_every_settings_and_driver_type_is_supported() -> None:
    """An empty section for GateConfig and every importable driver's Options validates
    without a programming error (required options are reported as issues, not crashes)."""
    validate("{}\n", GateConfig)
    for role in registry.DRIVERS:
        for type_name in registry.driver_types(role):
            try:
                cls = registry.driver_class(role, type_name)
            except ImportError:
                continue  # optional library missing on this machine
            v = Validator("d.yaml")
            result = v.dataclass(yaml.compose("{}", Loader=yaml.SafeLoader), cls.Options, role)
            assert result is not INVALID or v.issues, f"{role}/{type_name}"
