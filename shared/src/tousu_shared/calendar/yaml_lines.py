"""Parse YAML and remember the line of every key and list item.

Validation errors name a field path such as ``("workdays", 2, "date")``; with the line map an
operator is told ``2026.yaml:47`` instead of having to count list items by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

Loc = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text.

    PyYAML turns ``2026-02-30`` into a ValueError with no line; as text it reaches pydantic,
    whose error carries the field path, and so the line.
    """


_Loader.yaml_implicit_resolvers = {
    first_char: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first_char, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class YamlProblem(Exception):
    """The text is not YAML we can read; ``line`` is 1-based, or None when unknown."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class ParsedYaml:
    data: Any
    lines: dict[Loc, int]

    def line_of(self, loc: Loc) -> int | None:
        """The line of ``loc``, or of its nearest parent that exists in the file (a missing key)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                return line
        return None


def parse_yaml(text: str) -> ParsedYaml:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return ParsedYaml(data=None, lines={})
        lines: dict[Loc, int] = {}
        _record_lines(node, (), lines)
        return ParsedYaml(data=loader.construct_document(node), lines=lines)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = ": ".join(part for part in (exc.context, exc.problem) if part)
        raise YamlProblem(f"not valid YAML: {problem}", mark.line + 1 if mark else None) from None
    except (yaml.YAMLError, ValueError, TypeError) as exc:  # a constructor's own error has no mark
        raise YamlProblem(f"not valid YAML: {exc}", None) from None
    finally:
        loader.dispose()


def _record_lines(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                # PyYAML would silently keep the last value; an operator's typo must not vanish.
                raise YamlProblem(f"key '{key}' appears twice (first on line {seen[key]})", line)
            seen[key] = line
            _record_lines(value_node, (*loc, key), lines)
            lines[(*loc, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*loc, index), lines)
