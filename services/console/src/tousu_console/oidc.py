"""Signing in with the property group's own identity provider (OpenID Connect, the
authorization code flow with PKCE), for groups that keep their staff there rather than in
the people file.

The console sends the person to the provider, takes the code back, checks the ID token
(issuer, audience, nonce, signature against the provider's published keys) and then checks
the token it will call the services with exactly as the services do (``TokenVerifier``, the
same ``TOUSU_IDENTITY_*`` settings): if the console accepts a sign-in, the services accept
its calls, and a provider the services do not trust is refused here, with the reason.

What is pending between leaving for the provider and coming back (state, nonce, PKCE
verifier, where the person was going) rides in a short-lived signed cookie: the session
cookie is SameSite=Strict, so a browser does not send it on the provider's redirect back.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from tousu_console.session import SignedIn
from tousu_console.settings import ConsoleSettings
from tousu_shared.identity.tokens import ALGORITHMS, TokenVerifier, Unauthenticated, the_only_key

#: how long a person may spend at the provider's sign-in page
PENDING_SECONDS = 600
PENDING_COOKIE = "tousu_oidc"


class OidcError(Exception):
    """Why a sign-in through the provider failed, fit to show the person (never a token)."""


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    #: where signing out of the console also signs out at the provider (RP-initiated logout)
    end_session_endpoint: str | None = None


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class OidcClient:
    def __init__(
        self, settings: ConsoleSettings, verifier: TokenVerifier, cookie_key: bytes, http: httpx.AsyncClient
    ) -> None:
        assert settings.oidc_issuer, "OidcClient without TOUSU_CONSOLE_OIDC_ISSUER"
        self.settings = settings
        self.issuer = settings.oidc_issuer.rstrip("/")
        self._verifier = verifier
        self._cookie_key = cookie_key
        self.http = http
        self._provider: Provider | None = None
        self._keys: jwt.PyJWKSet | None = None

    async def close(self) -> None:
        await self.http.aclose()

    async def provider(self) -> Provider:
        """The provider's endpoints, from its discovery document (read once it answers)."""
        if self._provider is None:
            doc = await self._get_json(f"{self.issuer}/.well-known/openid-configuration")
            try:
                provider = Provider(
                    issuer=str(doc["issuer"]),
                    authorization_endpoint=str(doc["authorization_endpoint"]),
                    token_endpoint=str(doc["token_endpoint"]),
                    jwks_uri=str(doc["jwks_uri"]),
                    end_session_endpoint=doc.get("end_session_endpoint"),
                )
            except (KeyError, TypeError):
                raise OidcError("the identity provider's discovery document lacks its endpoints") from None
            if provider.issuer.rstrip("/") != self.issuer:
                raise OidcError(
                    f"the identity provider calls itself {provider.issuer!r}, not {self.issuer!r}"
                )
            self._provider = provider
        return self._provider

    async def start(self, redirect_url: str, next_path: str) -> tuple[str, str]:
        """Where to send the browser, and the pending cookie to set before it goes."""
        provider = await self.provider()
        state, nonce, verifier = (secrets.token_urlsafe(24) for _ in range(3))
        query = {
            "response_type": "code",
            "client_id": self.settings.oidc_client_id,
            "redirect_uri": redirect_url,
            "scope": self.settings.oidc_scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
        }
        pending = {"state": state, "nonce": nonce, "verifier": verifier, "next": next_path}
        cookie = jwt.encode({**pending, "exp": int(time.time()) + PENDING_SECONDS}, self._cookie_key, "HS256")
        return _with_query(provider.authorization_endpoint, query), cookie

    async def sign_out_url(self, back_to: str) -> str | None:
        """Where to send a person signing out, so the provider ends its session too (a desk
        PC is shared); None when the provider offers no such page or does not answer."""
        try:
            provider = await self.provider()
        except OidcError:
            return None
        if not provider.end_session_endpoint:
            return None
        query = {"client_id": self.settings.oidc_client_id, "post_logout_redirect_uri": back_to}
        return _with_query(provider.end_session_endpoint, query)

    def pending(self, cookie: str | None) -> dict[str, str]:
        if not cookie:
            raise OidcError("this sign-in was not started here, or took longer than 10 minutes; start again")
        try:
            claims: dict[str, str] = jwt.decode(cookie, self._cookie_key, algorithms=["HS256"])
        except jwt.PyJWTError:
            raise OidcError(
                "this sign-in took longer than 10 minutes, or was not started here; start again"
            ) from None
        return claims

    async def finish(self, redirect_url: str, code: str, state: str, pending: dict[str, str]) -> SignedIn:
        if not secrets.compare_digest(state, pending["state"]):
            raise OidcError("the provider's answer is not for this sign-in (state); start again")
        provider = await self.provider()
        tokens = await self._exchange(provider, redirect_url, code, pending["verifier"])
        id_claims = await self._id_claims(provider, tokens.get("id_token"), pending["nonce"])
        bearer = tokens.get(self.settings.oidc_bearer)
        if not isinstance(bearer, str) or not bearer:
            raise OidcError(f"the identity provider sent no {self.settings.oidc_bearer}")
        try:
            # the services' own check (a JWKS fetch may block: off the event loop)
            who = await asyncio.to_thread(self._verifier.verify, bearer)
            bearer_claims = jwt.decode(bearer, options={"verify_signature": False})
        except Unauthenticated as exc:
            raise OidcError(f"the services would refuse this sign-in: {exc}") from None
        now = time.time()
        ends = min(float(bearer_claims["exp"]), now + self.settings.session_hours * 3600)
        # a minute early, so no call goes out with a token about to lapse (a short one: none)
        expires = ends - (60 if ends - now > 300 else 0)
        groups = id_claims.get(self.settings.oidc_groups_claim) or bearer_claims.get(
            self.settings.oidc_groups_claim
        )
        operator_group = self.settings.oidc_operator_group
        login = id_claims.get("preferred_username") or who.subject
        return SignedIn(
            login=str(login),
            name=who.name or str(id_claims.get("name") or login),
            tenant=str(who.tenant),
            roles=sorted(str(g) for g in who.grants),
            token=bearer,
            expires=expires,
            operator=bool(operator_group and isinstance(groups, list) and operator_group in groups),
        )

    async def _exchange(
        self, provider: Provider, redirect_url: str, code: str, verifier: str
    ) -> dict[str, Any]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_url,
            "client_id": self.settings.oidc_client_id,
            "code_verifier": verifier,
        }
        secret = self.settings.client_secret()
        # a confidential client authenticates (client_secret_basic); a public one has PKCE alone
        auth = httpx.BasicAuth(self.settings.oidc_client_id, secret) if secret else httpx.USE_CLIENT_DEFAULT
        try:
            response = await self.http.post(provider.token_endpoint, data=form, auth=auth)
        except httpx.HTTPError as exc:
            raise OidcError(f"the identity provider is not answering ({type(exc).__name__})") from None
        body = _json_or_none(response)
        if response.status_code != 200 or not isinstance(body, dict):
            said = body.get("error_description") or body.get("error") if isinstance(body, dict) else None
            raise OidcError(
                f"the identity provider refused the code ({response.status_code}: {said or 'no reason'})"
            )
        return body

    async def _id_claims(self, provider: Provider, id_token: Any, nonce: str) -> dict[str, Any]:
        if not isinstance(id_token, str):
            raise OidcError("the identity provider sent no ID token (is 'openid' among the scopes?)")
        try:
            kid = jwt.get_unverified_header(id_token).get("kid")
            key = await self._key(provider, kid)
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key,
                algorithms=ALGORITHMS,
                audience=self.settings.oidc_client_id,
                issuer=provider.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                leeway=30,
            )
        except jwt.PyJWTError as exc:
            raise OidcError(f"the ID token does not hold: {exc}") from None
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise OidcError("the ID token is not for this sign-in (nonce); start again")
        return claims

    async def _key(self, provider: Provider, kid: str | None) -> jwt.PyJWK:
        for attempt in range(2):  # keys rotate: an unknown kid reads the JWKS again, once
            if self._keys is None or attempt:
                try:
                    self._keys = jwt.PyJWKSet.from_dict(await self._get_json(provider.jwks_uri))
                except jwt.PyJWTError as exc:
                    raise OidcError(f"the identity provider's keys cannot be read: {exc}") from None
            if kid is None:  # the same rule as the services': only where one key is published
                try:
                    return the_only_key(list(self._keys.keys))
                except Unauthenticated as exc:
                    raise OidcError(str(exc)) from None
            keys = [k for k in self._keys.keys if k.key_id == kid]
            if keys:
                return keys[0]
        raise OidcError(f"the identity provider has no key {kid!r}")

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self.http.get(url)
        except httpx.HTTPError as exc:
            raise OidcError(f"the identity provider is not answering ({type(exc).__name__})") from None
        body = _json_or_none(response)
        if response.status_code != 200 or not isinstance(body, dict):
            raise OidcError(f"the identity provider answered {response.status_code} at {url}")
        return body


def _with_query(url: str, query: dict[str, str]) -> str:
    """``url`` with ``query`` added (a provider's endpoint may carry a query of its own)."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
