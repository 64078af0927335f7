"""Identity in HTTP handlers: who calls (401 when nobody provable), and whether the policy
lets them touch this resource (404 for another group's, 403 for their own group's without
the role). Every refusal is logged with who, what and why, never with the token."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from litestar import Request
from litestar.exceptions import (
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)

from tousu_shared.identity.local_issuer import local_jwks_path
from tousu_shared.identity.policy import Decision, Policy, shipped_policy
from tousu_shared.identity.principal import OPERATOR, Principal
from tousu_shared.identity.tokens import IdentitySettings, TokenVerifier, Unauthenticated, looks_like_jwt
from tousu_shared.logging import get_logger

log = get_logger(__name__)
_CALLER = "tousu_caller"


@dataclass(frozen=True)
class Scope:
    """What a list query may return: one group (None: every group, the operator) and its
    estates (None: all of them)."""

    tenant: str | None
    estates: set[str] | None


class Identity:
    def __init__(self, verifier: TokenVerifier, admin_token: str, policy: Policy | None = None) -> None:
        self.verifier = verifier
        self.policy = policy or shipped_policy()
        self._admin_token = admin_token.encode()

    @classmethod
    def from_settings(
        cls, data_dir: Path, admin_token: str, settings: IdentitySettings | None = None
    ) -> Identity:
        settings = settings or IdentitySettings()
        local = local_jwks_path(data_dir) if settings.local_issuer else None
        return cls(TokenVerifier(settings, local), admin_token)

    async def caller(self, request: Request[Any, Any, Any]) -> Principal:
        """The authenticated caller (cached on the request); 401 with the reason otherwise."""
        cached = request.scope.get("state", {}).get(_CALLER)
        if isinstance(cached, Principal):
            return cached
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise self._unauthenticated(request, "send Authorization: Bearer <token>")
        if hmac.compare_digest(token.encode(), self._admin_token):
            who = OPERATOR
        elif looks_like_jwt(token):
            try:
                issuer = self.verifier.issuer_of(token)
                if issuer.fetches_keys:
                    who = await anyio.to_thread.run_sync(self.verifier.verify, token, issuer)
                else:
                    who = self.verifier.verify(token, issuer)
            except Unauthenticated as exc:
                raise self._unauthenticated(request, str(exc)) from None
        else:
            raise self._unauthenticated(request, "the bearer token is neither the operator's nor a JWT")
        request.scope.setdefault("state", {})[_CALLER] = who
        return who

    async def authorise(
        self, request: Request[Any, Any, Any], permission: str, tenant: str | None, estate: str | None
    ) -> Principal:
        who = await self.caller(request)
        self.require(request, who, permission, tenant, estate)
        return who

    def require(
        self,
        request: Request[Any, Any, Any],
        who: Principal,
        permission: str,
        tenant: str | None,
        estate: str | None,
    ) -> None:
        decision = self.policy.decide(who, permission, tenant, estate)
        if decision is Decision.ALLOW:
            return
        log.warning(
            "access refused",
            who=who.describe(),
            permission=permission,
            tenant=tenant,
            estate=estate,
            decision=str(decision),
            method=request.method,
            path=request.url.path,
        )
        if decision is Decision.NOT_FOUND:
            raise NotFoundException("not found")
        raise PermissionDeniedException(f"{who.describe()} may not {permission} here")

    async def scope(self, request: Request[Any, Any, Any], permission: str) -> tuple[Principal, Scope]:
        """For list queries: the caller, and the group and estates they may read; 403 when
        they hold the permission nowhere."""
        who = await self.caller(request)
        self.require(request, who, permission, who.tenant, None)
        return who, Scope(who.tenant, self.policy.estates(who, permission))

    def group(
        self,
        request: Request[Any, Any, Any],
        who: Principal,
        permission: str,
        named: str | None,
        *,
        param: str = "tenant",
        required: bool = True,
    ) -> str | None:
        """The group a query is about: a person's own (naming another group is a logged
        404), or the one the operator names in ``?<param>=`` (a 400 without it when
        ``required``; else None, every group)."""
        if who.is_operator:
            if required and not named:
                raise ValidationException(f"the operator names the group: ?{param}=")
            return named
        if named not in (None, who.tenant):
            self.require(request, who, permission, named, None)  # another group: logs, then 404
        return who.tenant

    def _unauthenticated(self, request: Request[Any, Any, Any], reason: str) -> NotAuthorizedException:
        log.warning("unauthenticated request", reason=reason, method=request.method, path=request.url.path)
        return NotAuthorizedException(reason)


def acting_as(who: Principal, by: str | None) -> str:
    """Who an action is recorded under: a person is always themselves (their token's
    subject); the operator, a machine, must name the staff member it acts for."""
    if who.is_operator:
        if not by:
            raise ValidationException("the operator names the staff member it acts for: by")
        return by
    if by and by != who.subject:
        raise ValidationException(f"a person acts as themselves: by is {who.subject!r} or left out")
    return who.subject
