"""The signed-in person, kept in an encrypted, HTTP-only session cookie: who they are and
the token the services are called with. A page for a person not signed in sends them to
the sign-in page, and back where they were going afterwards."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.exceptions import NotAuthorizedException

from tousu_console.labels import LANGS, words
from tousu_shared.identity.principal import parse_grants


@dataclass(frozen=True)
class SignedIn:
    login: str
    name: str
    tenant: str
    roles: list[str]
    token: str
    expires: float
    operator: bool = False

    def estates(self) -> list[str]:
        return sorted({g.estate for g in parse_grants(self.roles) if g.estate != "*"})

    def role_names(self) -> list[str]:
        return sorted({g.role for g in parse_grants(self.roles)})


class SignInNeeded(NotAuthorizedException):
    pass


def signed_in(request: Request[Any, Any, Any]) -> SignedIn:
    data = request.session.get("who") if request.session else None
    if not data or data.get("expires", 0) < time.time():
        raise SignInNeeded(
            detail=quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        )
    return SignedIn(**data)


def lang_of(request: Request[Any, Any, Any]) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    kept = request.cookies.get("lang")
    return kept if kept in LANGS else "zh"


def page_context(request: Request[Any, Any, Any], who: SignedIn | None, **extra: Any) -> dict[str, Any]:
    lang = lang_of(request)
    zone = request.app.state.console.settings.timezone
    return {"who": who, "t": words(lang), "lang": lang, "path": request.url.path, "zone": zone, **extra}
