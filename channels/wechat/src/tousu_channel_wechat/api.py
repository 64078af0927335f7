"""WeChat's server API, for the messages Tousu sends later: the customer-service message
(客服消息, ``/cgi-bin/message/custom/send``) with an access token from ``/cgi-bin/token``.

WeChat lets an account write to a resident only within 48 hours of the resident's last
message (45015 after that). The access token lives ``expires_in`` seconds (7200); it is
cached until a margin before that, and fetched again at once when WeChat says it is
invalid (another server of the same account may have fetched a newer one).

Error messages name the errcode only: never the openid, the token or the secret.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tousu_channels import SendFailed

DEFAULT_API_BASE = "https://api.weixin.qq.com"
#: refresh the token this long before WeChat says it expires
TOKEN_MARGIN_SECONDS = 300
TIMEOUT_SECONDS = 10.0

#: the access token is invalid or expired: fetch a new one and try once more
TOKEN_REJECTED = frozenset({40001, 40014, 42001})
#: system busy, or the minute/day quota: a later try can succeed
BUSY = frozenset({-1, 45009, 45011})
#: why WeChat will not deliver, whatever the retries
REFUSED = {
    45015: "the resident has not written to the account in the last 48 hours",
    45047: "the account has sent this resident too many messages since they last wrote",
    43004: "the resident no longer follows the account",
    40003: "the openid is not one of this account's followers",
}


@dataclass(frozen=True)
class Credentials:
    appid: str
    appsecret: str


@dataclass(frozen=True)
class _Token:
    value: str
    good_until: float


class WeChatApi:
    """A small client: one access token per account, the customer-service text message."""

    def __init__(
        self,
        api_base: str,
        credentials: Callable[[], Credentials],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self._credentials = credentials
        self._transport = transport
        self._clock = clock
        self._token: _Token | None = None
        self._token_lock = asyncio.Lock()

    async def send_text(self, openid: str, content: str) -> None:
        """Deliver ``content`` to ``openid``; :class:`SendFailed` says whether to retry."""
        payload = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        async with self._client() as client:
            errcode = await self._post_custom(client, payload)
            if errcode in TOKEN_REJECTED:
                self._token = None
                errcode = await self._post_custom(client, payload)
        _raise_for_send(errcode)

    async def access_token(self, client: httpx.AsyncClient) -> str:
        # One fetch at a time: each fetch invalidates the previous token after a while.
        async with self._token_lock:
            if self._token is not None and self._clock() < self._token.good_until:
                return self._token.value
            self._token = await self._fetch_token(client)
            return self._token.value

    async def _post_custom(self, client: httpx.AsyncClient, payload: dict[str, Any]) -> int:
        token = await self.access_token(client)
        # Chinese as such, not \u escapes: some WeChat APIs have shown escapes literally.
        body = json.dumps(payload, ensure_ascii=False).encode()
        data = await _call(
            client,
            "POST",
            "/cgi-bin/message/custom/send",
            params={"access_token": token},
            content=body,
            headers={"content-type": "application/json; charset=utf-8"},
        )
        return _errcode(data)

    async def _fetch_token(self, client: httpx.AsyncClient) -> _Token:
        creds = self._credentials()
        params = {"grant_type": "client_credential", "appid": creds.appid, "secret": creds.appsecret}
        data = await _call(client, "GET", "/cgi-bin/token", params=params)
        value, expires_in = data.get("access_token"), data.get("expires_in", 7200)
        if not isinstance(value, str) or not value:
            raise _token_error(_errcode(data))
        if not isinstance(expires_in, int) or expires_in <= 0:
            raise SendFailed("WeChat gave an access token without a valid expires_in")
        lifetime = max(expires_in - TOKEN_MARGIN_SECONDS, expires_in // 2)
        return _Token(value, self._clock() + lifetime)

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.api_base, transport=self._transport, timeout=TIMEOUT_SECONDS)


async def _call(client: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = await client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        # str(exc) may hold the URL, and so the token or the secret: name the kind only.
        raise SendFailed(f"WeChat's API did not answer ({type(exc).__name__})") from None
    if response.status_code >= 500:
        raise SendFailed(f"WeChat's API answered {response.status_code}")
    if response.status_code >= 400:
        raise SendFailed(f"WeChat's API answered {response.status_code}", transient=False)
    try:
        data = response.json()
    except ValueError:
        raise SendFailed("WeChat's API answered something that is not JSON") from None
    if not isinstance(data, dict):
        raise SendFailed("WeChat's API answered JSON that is not an object")
    return data


def _errcode(data: dict[str, Any]) -> int:
    code = data.get("errcode", 0)
    return code if isinstance(code, int) else -1


def _token_error(errcode: int) -> SendFailed:
    if errcode in BUSY:
        return SendFailed(f"WeChat could not give an access token now (errcode {errcode})")
    # 40013 bad appid, 40125 bad secret, 40164 server IP not whitelisted: settings to fix.
    return SendFailed(
        f"WeChat refused the access token request (errcode {errcode}): check appid, appsecret "
        "and the account's IP whitelist",
        transient=False,
    )


def _raise_for_send(errcode: int) -> None:
    if errcode == 0:
        return
    if errcode in TOKEN_REJECTED:
        # A fresh token rejected too: most likely another server just replaced it.
        raise SendFailed(f"WeChat rejected a fresh access token (errcode {errcode})")
    if errcode in BUSY:
        raise SendFailed(f"WeChat is busy (errcode {errcode})")
    reason = REFUSED.get(errcode, "WeChat refused the message")
    raise SendFailed(f"{reason} (errcode {errcode})", transient=False)
