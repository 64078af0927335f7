"""The access policy as data (policy.yaml beside this module): permission → roles.

``decide`` answers one question: may this caller use this permission on a resource of this
group and estate? Another group's resource is NOT_FOUND (its existence is not confirmed);
the caller's own group without the role is FORBIDDEN.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tousu_shared.identity.principal import ALL_ESTATES, Principal

POLICY_FILE = Path(__file__).with_name("policy.yaml")


class PolicyError(ValueError):
    pass


class Decision(StrEnum):
    ALLOW = "allow"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Permission:
    name: str
    description: str
    roles: frozenset[str]
    operator: bool


class Policy:
    def __init__(self, permissions: Mapping[str, Permission]) -> None:
        self.permissions = dict(permissions)

    @classmethod
    def from_yaml(cls, text: str, known_roles: Iterable[str] | None = None) -> Policy:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise PolicyError(f"the policy is not YAML: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("permissions"), dict):
            raise PolicyError("the policy needs a 'permissions' mapping")
        known = set(known_roles) if known_roles is not None else None
        permissions = {}
        for name, entry in data["permissions"].items():
            if not isinstance(entry, dict):
                raise PolicyError(f"permission {name}: expected a mapping")
            roles = frozenset(_flatten(entry.get("roles") or []))
            unknown = roles - known if known is not None else set()
            if unknown:
                raise PolicyError(f"permission {name}: unknown roles {sorted(unknown)}")
            permissions[name] = Permission(
                name, str(entry.get("description", "")), roles, bool(entry.get("operator", False))
            )
        return cls(permissions)

    def permission(self, name: str) -> Permission:
        try:
            return self.permissions[name]
        except KeyError:
            raise PolicyError(f"no permission {name!r} in the policy") from None

    def decide(self, who: Principal, permission: str, tenant: str | None, estate: str | None) -> Decision:
        """``estate=None`` asks about the group as a whole (a list across its estates): allowed
        when the caller holds the permission in at least one estate."""
        rule = self.permission(permission)
        if who.is_operator:
            return Decision.ALLOW if rule.operator else Decision.FORBIDDEN
        if tenant is not None and who.tenant != tenant:
            return Decision.NOT_FOUND
        held = {g.role for g in who.grants} if estate is None else who.roles_in(estate)
        return Decision.ALLOW if held & rule.roles else Decision.FORBIDDEN

    def estates(self, who: Principal, permission: str) -> set[str] | None:
        """Where the caller holds the permission: a set of estate ids, or None for every
        estate (of their group; the operator's: of every group)."""
        rule = self.permission(permission)
        if who.is_operator:
            return None if rule.operator else set()
        grants = [g for g in who.grants if g.role in rule.roles]
        if any(g.estate == ALL_ESTATES for g in grants):
            return None
        return {g.estate for g in grants}

    def roles_with(self, permission: str) -> frozenset[str]:
        return self.permission(permission).roles


def _flatten(values: Any) -> list[str]:
    """Roles as listed, with YAML aliases of role groups spliced in."""
    out: list[str] = []
    for value in values if isinstance(values, list) else [values]:
        if isinstance(value, list):
            out += _flatten(value)
        else:
            out.append(str(value))
    return out


@cache
def shipped_policy() -> Policy:
    from tousu_shared.regimes.model import ROLE_IDS

    return Policy.from_yaml(POLICY_FILE.read_text(encoding="utf-8"), ROLE_IDS)
