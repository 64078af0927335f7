"""Verify people's bearer tokens (JWT) against the issuers a deployment trusts.

Each trusted issuer is bound to one property group: a group's own identity provider can
never mint a token for another group. The local issuer (``local_issuer.py``) is trusted for
every group and is meant for ``make run`` and tests; production turns it off
(``TOUSU_IDENTITY_LOCAL_ISSUER=false``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tousu_shared.identity.principal import BadGrant, Principal, parse_grants

#: asymmetric algorithms only: a shared-secret (HS*) or unsigned ("none") token is refused
ALGORITHMS = ["EdDSA", "ES256", "ES384", "RS256", "PS256"]
LOCAL_ISSUER = "tousu-local"


class Unauthenticated(ValueError):
    """Why a token was refused (said to the caller; never contains the token)."""


class IssuerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issuer: str = Field(min_length=1, description="the token's iss, exactly")
    tenant: str = Field(min_length=1, description="the property group this issuer speaks for ('*': any)")
    jwks_url: str | None = None
    jwks_file: Path | None = None

    @model_validator(mode="after")
    def _one_key_source(self) -> IssuerConfig:
        if (self.jwks_url is None) == (self.jwks_file is None):
            raise ValueError(f"issuer {self.issuer}: give exactly one of jwks_url and jwks_file")
        return self


class IdentitySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUSU_IDENTITY_", extra="ignore")

    issuers: list[IssuerConfig] = Field(default_factory=list, description="JSON list of trusted issuers")
    audience: str = "tousu"
    local_issuer: bool = Field(default=True, description="trust the local issuer under the data folder")
    tenant_claim: str = "tenant"
    roles_claim: str = "roles"
    name_claim: str = "name"
    leeway_seconds: int = Field(default=30, ge=0, le=300)


@dataclass
class TrustedIssuer:
    config: IssuerConfig
    client: jwt.PyJWKClient | None = None
    keys: jwt.PyJWKSet | None = None

    @property
    def fetches_keys(self) -> bool:
        """Verifying with it may fetch its JWKS over the network (run it in a thread, then)."""
        return self.client is not None

    def key_for(self, kid: str | None) -> jwt.PyJWK:
        if self.client is not None:
            try:
                if kid is None:
                    return the_only_key(self.client.get_signing_keys())
                return self.client.get_signing_key(kid)
            except jwt.PyJWKClientError as exc:
                raise Unauthenticated(f"no key {kid!r} at the issuer's JWKS: {exc}") from None
        assert self.keys is not None
        matching = [k for k in self.keys.keys if kid is None or k.key_id == kid]
        if not matching:
            raise Unauthenticated(f"the issuer has no key {kid!r}")
        return matching[0]


class TokenVerifier:
    def __init__(self, settings: IdentitySettings, local_jwks: Path | None = None) -> None:
        self.settings = settings
        self._issuers: dict[str, TrustedIssuer] = {}
        for config in settings.issuers:
            if config.jwks_url:
                # the set is cached 5 minutes; an unknown key id refetches it at most every 30 s
                client = jwt.PyJWKClient(config.jwks_url, timeout=5)
                self._issuers[config.issuer] = TrustedIssuer(config, client=client)
            else:
                assert config.jwks_file is not None
                self._issuers[config.issuer] = TrustedIssuer(config, keys=_read_jwks(config.jwks_file))
        if settings.local_issuer and local_jwks is not None:
            local = IssuerConfig(issuer=LOCAL_ISSUER, tenant="*", jwks_file=local_jwks)
            self._issuers[LOCAL_ISSUER] = TrustedIssuer(local, keys=_read_jwks(local_jwks))

    @property
    def issuers(self) -> list[str]:
        return sorted(self._issuers)

    def issuer_of(self, token: str) -> TrustedIssuer:
        """The trusted issuer that signed ``token`` (by its unverified ``iss``), or refused."""
        iss = _unverified_issuer(token)
        issuer = self._issuers.get(iss or "")
        if issuer is None:
            raise Unauthenticated(f"tokens of issuer {iss!r} are not trusted here")
        return issuer

    def verify(self, token: str, issuer: TrustedIssuer | None = None) -> Principal:
        """The token's person; ``issuer`` when the caller has already looked it up."""
        issuer = issuer or self.issuer_of(token)
        try:
            header = jwt.get_unverified_header(token)
            key = issuer.key_for(header.get("kid"))
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[key.algorithm_name] if key.algorithm_name in ALGORITHMS else ALGORITHMS,
                audience=self.settings.audience,
                issuer=issuer.config.issuer,
                leeway=self.settings.leeway_seconds,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated(f"the token is not for {self.settings.audience!r}") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("the token's signature does not verify") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"the token is not valid: {exc}") from None
        return self._principal(claims, issuer.config)

    def _principal(self, claims: dict[str, Any], issuer: IssuerConfig) -> Principal:
        s = self.settings
        tenant = claims.get(s.tenant_claim) or (None if issuer.tenant == "*" else issuer.tenant)
        if not isinstance(tenant, str) or not tenant:
            raise Unauthenticated(f"the token names no group ({s.tenant_claim!r} claim)")
        if issuer.tenant != "*" and tenant != issuer.tenant:
            raise Unauthenticated(f"issuer {issuer.issuer!r} does not speak for group {tenant!r}")
        roles = claims.get(s.roles_claim) or []
        if not isinstance(roles, list):
            raise Unauthenticated(f"the {s.roles_claim!r} claim must be a list of role@estate")
        try:
            grants = parse_grants(roles)
        except BadGrant as exc:
            raise Unauthenticated(str(exc)) from None
        name = claims.get(s.name_claim)
        return Principal(
            subject=str(claims["sub"]),
            kind="person",
            tenant=tenant,
            grants=grants,
            name=name if isinstance(name, str) else None,
            issuer=issuer.issuer,
        )


def the_only_key(keys: list[jwt.PyJWK]) -> jwt.PyJWK:
    """A token may leave out its key id where the issuer publishes a single signing key."""
    if len(keys) != 1:
        raise Unauthenticated(f"the token names no key (kid), and the issuer publishes {len(keys)}")
    return keys[0]


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("ey")


def _unverified_issuer(token: str) -> str | None:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"not a token: {exc}") from None
    iss = claims.get("iss")
    return iss if isinstance(iss, str) else None


def _read_jwks(path: Path) -> jwt.PyJWKSet:
    try:
        return jwt.PyJWKSet.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, jwt.PyJWTError) as exc:
        raise ValueError(f"cannot read the JWKS {path}: {exc}") from None
