"""A caller: a person of one property group (tenant) holding roles in estates, or the
operator (the platform team's token, which belongs to no group)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

#: every estate of the person's group ("quality_manager@*")
ALL_ESTATES = "*"
_ID = r"[a-z][a-z0-9_-]{0,63}"
_GRANT = re.compile(rf"^(?P<role>{_ID})@(?P<estate>{_ID}|\*)$", re.IGNORECASE)


class BadGrant(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Grant:
    """A role held in one estate, or in every estate of the group (``estate == "*"``)."""

    role: str
    estate: str

    def covers(self, estate: str | None) -> bool:
        return self.estate == ALL_ESTATES or self.estate == estate

    def __str__(self) -> str:
        return f"{self.role}@{self.estate}"


def parse_grants(values: Iterable[str]) -> frozenset[Grant]:
    """``["engineering@jinxiu-a", "quality_manager@*"]`` → grants; a bad entry is a BadGrant."""
    grants = set()
    for value in values:
        match = _GRANT.match(str(value).strip())
        if not match:
            raise BadGrant(f"a role must read role@estate (or role@*), not {value!r}")
        grants.add(Grant(match["role"].lower(), match["estate"]))
    return frozenset(grants)


@dataclass(frozen=True)
class Principal:
    subject: str
    kind: Literal["person", "operator"]
    tenant: str | None = None
    grants: frozenset[Grant] = field(default_factory=frozenset)
    name: str | None = None
    issuer: str | None = None

    @property
    def is_operator(self) -> bool:
        return self.kind == "operator"

    def roles_in(self, estate: str | None) -> set[str]:
        return {g.role for g in self.grants if g.covers(estate)}

    def describe(self) -> str:
        """For logs and audit records: who, never a token."""
        if self.is_operator:
            return "operator"
        return f"{self.subject}@{self.tenant}"


OPERATOR = Principal(subject="operator", kind="operator")
