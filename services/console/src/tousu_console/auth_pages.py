"""Signing in and out. A person of the people file signs in with a password; the console
then holds a token of the run's issuer for them (8 hours by default) in its session cookie."""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import unquote

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from pydantic import BaseModel

from tousu_console.runtime import console_of
from tousu_console.session import page_context
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
    return Template("login.html", context=page_context(request, None, next=_safe_next(next), failed=False))


@post("/login", include_in_schema=False, status_code=200)
async def login(
    request: Request[Any, Any, Any],
    data: Annotated[SignInForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template | Redirect:
    console = console_of(request)
    person = console.people.sign_in(data.login, data.password)
    if person is None:
        context = page_context(request, None, next=_safe_next(data.next), failed=True, login=data.login)
        return Template("login.html", context=context, status_code=401)
    hours = console.settings.session_hours
    token = local_issuer.issue(
        console.data_dir,
        person.login,
        person.tenant,
        person.roles,
        name=person.name,
        ttl_seconds=hours * 3600,
    )
    request.set_session(
        {
            "who": {
                "login": person.login,
                "name": person.name,
                "tenant": person.tenant,
                "roles": person.roles,
                "token": token,
                "expires": time.time() + hours * 3600 - 60,
                "operator": person.operator,
            }
        }
    )
    return Redirect(_safe_next(data.next))


@post("/logout", include_in_schema=False)
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    return Redirect("/login")
