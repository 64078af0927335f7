"""Calls to the services on the signed-in person's behalf: their token goes with each call,
so every service checks their roles and estates itself; the console decides nothing a
service would refuse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from tousu_console.settings import ConsoleSettings


class BackendError(Exception):
    """A service refused or could not answer; ``message`` is fit to show the person."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Reply:
    status: int
    body: Any
    headers: httpx.Headers


class Backend:
    def __init__(self, settings: ConsoleSettings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.AsyncClient(timeout=settings.request_timeout_seconds)
        self._desk_key: str | None = None  # read once found (a missing file is asked again)

    async def close(self) -> None:
        await self.client.aclose()

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        token: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        raw: bool = False,
        regime: str | None = None,
    ) -> Reply:
        url = self.settings.url_of(service, regime) + path
        query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            response = await self.client.request(
                method, url, json=json, params=query, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.HTTPError as exc:
            raise BackendError(
                503, f"{service} is not answering ({type(exc).__name__}); try again shortly"
            ) from exc
        if response.status_code >= 400:
            raise BackendError(response.status_code, _detail(service, response))
        body: Any = response.content if raw else (response.json() if response.content else None)
        return Reply(response.status_code, body, response.headers)

    async def get(self, service: str, path: str, token: str, **params: Any) -> Any:
        return (await self.call(service, "GET", path, token, params=params)).body

    async def post(self, service: str, path: str, token: str, body: Any) -> Any:
        return (await self.call(service, "POST", path, token, json=body)).body

    async def suggest(self, token: str, regime: str, text: str, channel: str) -> Any:
        """How triage would read ``text``, asked of the triage that reads ``regime``."""
        body = {"regime": regime, "text": text, "channel": channel}
        return (await self.call("triage", "POST", "/v1/triage/suggest", token, json=body, regime=regime)).body

    async def desk(self, form: dict[str, Any], *, preview: bool) -> Reply:
        """The desk channel: a form typed by a clerk, sent with the desk account's key."""
        account = self.settings.desk_account
        key = self._desk_key = self._desk_key or desk_key(self.settings)
        return await self.call(
            "intake",
            "POST",
            f"/v1/channels/desk/{account}",
            key,
            json=form,
            params={"preview": 1 if preview else None},
        )


def desk_key(settings: ConsoleSettings) -> str:
    if settings.desk_key is not None:
        return settings.desk_key.get_secret_value()
    if settings.desk_key_file is not None:
        try:
            keys = orjson.loads(settings.desk_key_file.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise BackendError(503, f"the desk account's key file cannot be read: {exc}") from None
        if settings.desk_account in keys:
            return str(keys[settings.desk_account])
    raise BackendError(
        503, "no key for the desk account: set TOUSU_CONSOLE_DESK_KEY or TOUSU_CONSOLE_DESK_KEY_FILE"
    )


def _detail(service: str, response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = body.get("detail") if isinstance(body, dict) else None
    if response.status_code in (401, 403):
        return f"not allowed: {detail or 'your roles do not cover this'}"
    if response.status_code == 404:
        return f"not found{': ' + detail if detail else ''}"
    return f"{service}: {detail or response.reason_phrase}"
