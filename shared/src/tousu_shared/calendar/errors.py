"""The one exception a bad calendar file or folder raises."""

from __future__ import annotations

from collections.abc import Sequence


class CalendarFileError(ValueError):
    """A holiday file or folder that cannot be used.

    ``str(error)`` is meant for the operator as it is: one line per problem,
    ``<file>:<line>: <field>: <what is wrong>`` (the line is left out when unknown).
    """

    def __init__(self, path: str, problems: Sequence[tuple[int | None, str]]) -> None:
        self.path = path
        self.problems = list(problems)
        lines = [f"{path}:{line}: {text}" if line else f"{path}: {text}" for line, text in problems]
        super().__init__("\n".join(lines))
