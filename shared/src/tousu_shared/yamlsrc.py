"""YAML with line numbers, for files operators write (regimes, holiday schedules).

Parse a document and find the line of any field path, so that a validation error says
``FILE:LINE: field: message``. Two departures from PyYAML's defaults, both so that a
typo is reported instead of silently changing meaning:

- booleans follow YAML 1.2 (``true``/``false`` only): under YAML 1.1 the escalation key
  ``on:`` would become ``True``, and ``no``/``yes`` would turn into booleans;
- dates stay text: PyYAML turns ``2026-02-30`` into an error without a line, while as text
  it reaches pydantic, whose error carries the field path, and so the line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

PathPart = str | int
FieldPath = tuple[PathPart, ...]

_BOOL = "tag:yaml.org,2002:bool"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(yaml.SafeLoader):
    """SafeLoader whose booleans are only true/false (YAML 1.2 core schema) and dates text."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL, _TIMESTAMP)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


class YamlSyntaxError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Document:
    """The parsed data and the node tree it came from (for line numbers)."""

    data: Any
    root: Node | None

    def line_of(self, path: Sequence[PathPart]) -> int:
        """1-based line of the deepest node on ``path`` that exists (a mapping value: its key's line)."""
        node = self.root
        if node is None:
            return 1
        line = node.start_mark.line + 1
        for part in path:
            if isinstance(node, MappingNode):
                for key, value in node.value:
                    if isinstance(key, ScalarNode) and key.value == str(part):
                        line, node = key.start_mark.line + 1, value
                        break
                else:
                    return line
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line


def parse(text: str) -> Document:
    """Parse one YAML document; raise :class:`YamlSyntaxError` with the line of the problem."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise YamlSyntaxError(line, message) from None
    except (yaml.YAMLError, ValueError, TypeError) as exc:  # a constructor's own error has no mark
        raise YamlSyntaxError(1, str(exc)) from None
    finally:
        loader.dispose()
    return Document(data, root)


def duplicate_keys(root: Node | None) -> list[tuple[int, str]]:
    """(line, message) for every key that appears twice in one mapping (YAML keeps the last silently)."""
    found: list[tuple[int, str]] = []
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    line = key.start_mark.line + 1
                    if key.value in seen:
                        found.append((line, f"duplicate key {key.value!r} (first at line {seen[key.value]})"))
                    else:
                        seen[key.value] = line
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return sorted(found)


def render_path(path: Sequence[PathPart]) -> str:
    """``("clocks", 3, "target", "param")`` → ``clocks[3].target.param``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(document)"
