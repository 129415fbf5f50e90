"""Finding the YAML node of a key path, for checks that look at more than one key."""
from __future__ import annotations

from typing import Optional, Tuple

from yaml.nodes import MappingNode, Node, ScalarNode


def find_pair(node: Optional[Node], dotted: str) -> Optional[Tuple[ScalarNode, Node]]:
    """(key node, value node) of ``a.b.c`` under the mapping ``node``; None when a level is
    not given. A duplicated key finds its first occurrence, the one the validator keeps."""
    pair: Optional[Tuple[ScalarNode, Node]] = None
    for part in dotted.split("."):
        if not isinstance(node, MappingNode):
            return None
        pair = next(((key, val) for key, val in node.value if isinstance(key, ScalarNode) and key.value == part),
                    None)
        if pair is None:
            return None
        node = pair[1]
    return pair


def key_node(node: Optional[Node], dotted: str) -> Optional[Node]:
    """The key node of ``dotted`` (its line is where the technician wrote the key), or None."""
    pair = find_pair(node, dotted)
    return None if pair is None else pair[0]
