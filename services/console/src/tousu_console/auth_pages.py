"""Signing in and out. Either a person of the people file signs in with a password and the
console holds a token of the run's issuer for them (8 hours by default), or, with
``TOUSU_CONSOLE_OIDC_ISSUER`` set, the group's identity provider signs them in (oidc.py) and
the console holds the provider's token. Either way the token rides in the session cookie."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Annotated, Any
from urllib.parse import unquote

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template
from pydantic import BaseModel

from tousu_console.oidc import PENDING_COOKIE, PENDING_SECONDS, OidcClient, OidcError
from tousu_console.runtime import console_of
from tousu_console.session import SignedIn, page_context
from tousu_shared.identity import local_issuer


class SignInForm(BaseModel):
    login: str = ""
    password: str = ""
    next: str = "/"


def _safe_next(target: str) -> str:
    """Only a path of this console: never an address elsewhere (an open redirect)."""
    target = unquote(target or "/")
    return target if target.startswith("/") and not target.startswith("//") else "/"


@get("/login", include_in_schema=False)
async def login_page(request: Request[Any, Any, Any], next: str = "/") -> Template:
    return _login_page(request, next)


def _login_page(
    request: Request[Any, Any, Any], next: str, status: int = 200, problem: str | None = None, **extra: Any
) -> Template:
    console = console_of(request)
    context = page_context(
        request,
        None,
        next=_safe_next(next),
        failed=status == 401 and problem is None,
        problem=problem,
        oidc_label=console.settings.oidc_label if console.oidc else None,
        **extra,
    )
    return Template("login.html", context=context, status_code=status)


@post("/login", include_in_schema=False, status_code=200)
async def login(
    request: Request[Any, Any, Any],
    data: Annotated[SignInForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template | Redirect:
    console = console_of(request)
    if console.people is None:
        return _login_page(request, data.next, 400, "sign in through the identity provider")
    person = console.people.sign_in(data.login, data.password)
    if person is None:
        return _login_page(request, data.next, 401, login=data.login)
    hours = console.settings.session_hours
    token = local_issuer.issue(
        console.data_dir,
        person.login,
        person.tenant,
        person.roles,
        name=person.name,
        ttl_seconds=hours * 3600,
    )
    _keep_session(
        request,
        SignedIn(
            login=person.login,
            name=person.name,
            tenant=person.tenant,
            roles=person.roles,
            token=token,
            expires=time.time() + hours * 3600 - 60,
            operator=person.operator,
        ),
    )
    return Redirect(_safe_next(data.next))


def _keep_session(request: Request[Any, Any, Any], who: SignedIn) -> None:
    request.set_session({"who": asdict(who)})


def _oidc(request: Request[Any, Any, Any]) -> OidcClient:
    oidc = console_of(request).oidc
    if oidc is None:
        raise NotFoundException("this console signs people in with its people file")
    return oidc


def _redirect_url(request: Request[Any, Any, Any]) -> str:
    configured = console_of(request).settings.oidc_redirect_url
    return configured or str(request.base_url).rstrip("/") + "/login/oidc/callback"


@get("/login/oidc", include_in_schema=False)
async def login_oidc(request: Request[Any, Any, Any], next: str = "/") -> Template | Redirect:
    oidc = _oidc(request)
    try:
        where, pending = await oidc.start(_redirect_url(request), _safe_next(next))
    except OidcError as exc:
        return _login_page(request, next, 503, str(exc))
    secure = console_of(request).settings.secure_cookies
    # Lax, not Strict: it must come back with the provider's redirect to the callback
    cookie = Cookie(
        key=PENDING_COOKIE,
        value=pending,
        path="/login/oidc",
        max_age=PENDING_SECONDS,
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    return Redirect(where, cookies=[cookie])


@get("/login/oidc/callback", include_in_schema=False)
async def login_oidc_callback(
    request: Request[Any, Any, Any],
    code: str = "",
    # "state" is a name Litestar keeps for the app's state
    returned_state: Annotated[str, Parameter(query="state")] = "",
    error: str = "",
    error_description: str = "",
) -> Template:
    gone = Cookie(key=PENDING_COOKIE, value="", path="/login/oidc", max_age=0)
    next_path = "/"
    oidc = _oidc(request)
    try:
        pending = oidc.pending(request.cookies.get(PENDING_COOKIE))
        next_path = _safe_next(pending.get("next", "/"))
        if error:
            raise OidcError(f"the identity provider said: {error_description or error}")
        if not code or not returned_state:
            raise OidcError("the identity provider's answer has no code; start again")
        person = await oidc.finish(_redirect_url(request), code, returned_state, pending)
    except OidcError as exc:
        page = _login_page(request, next_path, 401, str(exc))
        page.cookies.append(gone)
        return page
    _keep_session(request, person)
    # A page that moves on by itself, not a redirect: this request came from the provider's
    # site, so a browser would not send the (SameSite=Strict) session cookie on a redirect.
    context = page_context(request, None, next=next_path)
    return Template("signed_in.html", context=context, cookies=[gone])


@post("/logout", include_in_schema=False)
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    oidc = console_of(request).oidc
    if oidc is not None and (there := await oidc.sign_out_url(str(request.base_url).rstrip("/") + "/login")):
        return Redirect(there)
    return Redirect("/login")
