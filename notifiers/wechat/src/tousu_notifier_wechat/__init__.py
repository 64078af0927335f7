"""The WeChat template notifier: each notification is one official-account template message
(模板消息, ``POST {api_base}/cgi-bin/message/template/send``) to the recipient's openid,
with an access token from ``GET {api_base}/cgi-bin/token``
(``TOUSU_NOTIFIER_WECHAT_APPID``, ``…_SECRET``; ``…_API_BASE``, default
https://api.weixin.qq.com).

The template is ``…_TEMPLATE_<KIND>`` for the notification's kind (e.g.
``…_TEMPLATE_ESCALATION``), else ``…_TEMPLATE_ID``. Its data are ``first`` (the subject),
``keyword1`` (the complaint id), ``keyword2`` (the text) and ``remark`` (empty), then every
str value of the notification's data under its own key, which wins: a template with other
fields (``thing1``, ``time2``, …) is filled from the data. The message opens
``data["url"]``, else ``…_URL``, when either is set.

The access token is cached per notifier until a margin before its ``expires_in``; when
WeChat says it is invalid or expired (40001, 40014, 42001) it is fetched again and the
message sent once more, in the same send. errcode 0 is delivered; system busy (-1), the
rate limits (45009, 45011), 5xx answers and network errors are transient; any other
errcode (43004 unfollowed, 40003 bad openid, 40037 bad template, …) is a refusal naming
errcode and errmsg. No openid is a refusal. Exception texts (which the delivery loop logs)
never hold the secret, the access token or the openid.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tousu_notifiers import Notification, Notifier, NotifierConfig, NotifyFailed

DEFAULT_API_BASE = "https://api.weixin.qq.com"
#: refresh the token this long before WeChat says it expires
TOKEN_MARGIN_SECONDS = 300

#: the access token is invalid or expired: fetch a new one and try once more
TOKEN_REJECTED = frozenset({40001, 40014, 42001})
#: system busy, or the minute/day quota: a later try can succeed
BUSY = frozenset({-1, 45009, 45011})
#: what the common refusals mean
REFUSED = {
    43004: "the recipient no longer follows the account",
    40003: "the openid is not one of this account's followers",
    40037: "the template id is not one of this account's templates",
    47003: "the template data do not fit the template",
}


@dataclass(frozen=True)
class _Token:
    value: str
    good_until: float


class WechatNotifier(Notifier):
    name = "wechat"

    def __init__(self, config: NotifierConfig | None = None) -> None:
        super().__init__(config)
        # Settings errors stop the service at start (load_notifier), not at the first escalation.
        self._appid = self.config.require("appid")
        self._secret = self.config.require("secret")
        self._template_id = self.config.require("template_id")
        self._api_base = (self.config.get("api_base") or DEFAULT_API_BASE).rstrip("/")
        self._timeout = self.config.seconds("timeout_seconds", 10)
        #: monotonic seconds, for the token's lifetime (tests move it on)
        self.clock: Callable[[], float] = time.monotonic
        self._token: _Token | None = None
        self._token_lock = asyncio.Lock()

    async def send(self, notification: Notification) -> None:
        openid = (notification.recipient.wechat_openid or "").strip()
        if not openid:
            raise NotifyFailed("the recipient has no WeChat openid", transient=False)
        payload = self._payload(notification, openid)
        secrets = [self._secret, openid]
        try:
            async with httpx.AsyncClient(base_url=self._api_base, timeout=self._timeout) as client:
                token = await self._access_token(client)
                secrets.append(token)
                data = await self._post(client, token, payload)
                if _errcode(data) in TOKEN_REJECTED:
                    # Another server of the account may have fetched a newer token.
                    await self._drop_token(token)
                    token = await self._access_token(client)
                    secrets.append(token)
                    data = await self._post(client, token, payload)
        except NotifyFailed as failed:
            raise NotifyFailed(_scrub(str(failed), secrets), transient=failed.transient) from None
        _raise_for_send(data, secrets)

    def _payload(self, notification: Notification, openid: str) -> dict[str, Any]:
        kind = notification.kind.strip().lower().replace("-", "_")
        template_id = self.config.get(f"template_{kind}") or self._template_id
        values: dict[str, str] = {
            "first": notification.subject,
            "keyword1": notification.complaint_id or "",
            "keyword2": notification.text,
            "remark": "",
        }
        values.update({k: v for k, v in notification.data.items() if isinstance(v, str)})
        payload: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {k: {"value": v} for k, v in values.items()},
        }
        link = notification.data.get("url")
        url = link if isinstance(link, str) and link else self.config.get("url")
        if url:
            payload["url"] = url
        return payload

    async def _access_token(self, client: httpx.AsyncClient) -> str:
        # One fetch at a time: each fetch invalidates the previous token after a while.
        async with self._token_lock:
            if self._token is not None and self.clock() < self._token.good_until:
                return self._token.value
            self._token = await self._fetch_token(client)
            return self._token.value

    async def _drop_token(self, rejected: str) -> None:
        async with self._token_lock:
            if self._token is not None and self._token.value == rejected:
                self._token = None  # not one a concurrent send fetched meanwhile

    async def _fetch_token(self, client: httpx.AsyncClient) -> _Token:
        params = {"grant_type": "client_credential", "appid": self._appid, "secret": self._secret}
        data = await _call(client, "GET", "/cgi-bin/token", params=params)
        value, expires_in = data.get("access_token"), data.get("expires_in", 7200)
        if not isinstance(value, str) or not value:
            errcode = _errcode(data)
            if errcode in BUSY:
                raise NotifyFailed(
                    f"WeChat could not give an access token now (errcode {errcode})", transient=True
                )
            # 40013 bad appid, 40125 bad secret, 40164 server IP not whitelisted: settings to fix.
            raise NotifyFailed(
                f"WeChat refused the access token request (errcode {errcode}): check "
                "TOUSU_NOTIFIER_WECHAT_APPID, …_SECRET and the account's IP whitelist",
                transient=False,
            )
        if not isinstance(expires_in, int) or expires_in <= 0:
            raise NotifyFailed("WeChat gave an access token without a valid expires_in", transient=True)
        lifetime = max(expires_in - TOKEN_MARGIN_SECONDS, expires_in // 2)
        return _Token(value, self.clock() + lifetime)

    async def _post(self, client: httpx.AsyncClient, token: str, payload: dict[str, Any]) -> dict[str, Any]:
        # Chinese as such, not \u escapes: some WeChat APIs have shown escapes literally.
        return await _call(
            client,
            "POST",
            "/cgi-bin/message/template/send",
            params={"access_token": token},
            content=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"content-type": "application/json; charset=utf-8"},
        )


async def _call(client: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = await client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        # str(exc) may hold the URL, and so the token or the secret: name the kind only.
        raise NotifyFailed(f"WeChat's API did not answer ({type(exc).__name__})", transient=True) from None
    if response.status_code >= 400:
        transient = response.status_code >= 500 or response.status_code == 429
        raise NotifyFailed(f"WeChat's API answered {response.status_code}", transient=transient)
    try:
        data = response.json()
    except ValueError:
        raise NotifyFailed("WeChat's API answered something that is not JSON", transient=True) from None
    if not isinstance(data, dict):
        raise NotifyFailed("WeChat's API answered JSON that is not an object", transient=True)
    return data


def _errcode(data: dict[str, Any]) -> int:
    code = data.get("errcode", 0)
    return code if isinstance(code, int) and not isinstance(code, bool) else -1


def _raise_for_send(data: dict[str, Any], secrets: list[str]) -> None:
    errcode = _errcode(data)
    if errcode == 0:
        return
    errmsg = _scrub(str(data.get("errmsg") or "")[:200], secrets)
    said = f"(errcode {errcode}{': ' + errmsg if errmsg else ''})"
    if errcode in TOKEN_REJECTED:
        # A fresh token rejected too: most likely another server just replaced it.
        raise NotifyFailed(f"WeChat rejected a fresh access token {said}", transient=True)
    if errcode in BUSY:
        raise NotifyFailed(f"WeChat is busy or limiting the rate {said}", transient=True)
    reason = REFUSED.get(errcode, "WeChat refused the template message")
    raise NotifyFailed(f"{reason} {said}", transient=False)


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
