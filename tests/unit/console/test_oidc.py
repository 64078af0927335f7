"""Signing in to the console through a group's identity provider (OpenID Connect), against a
fake provider that checks what a real one checks (PKCE, the redirect address, the client's
secret) and signs its tokens with a real key; the console checks them with the services'
own verifier."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from litestar.testing import AsyncTestClient
from tousu_console.app import build_app
from tousu_console.backend import Backend
from tousu_console.settings import ConsoleSettings

from tests.unit.console.test_pages import FakeServices
from tousu_shared.settings import ServiceSettings

IDP = "https://id.group-a.example"
CLIENT = "tousu-console"


class FakeProvider:
    """Discovery, keys and the token endpoint of an OpenID provider; ``authorize`` stands for
    the person signing in on its page."""

    def __init__(self) -> None:
        self.key = generate_private_key(SECP256R1())
        self.codes: dict[str, dict[str, Any]] = {}
        self.claims: dict[str, Any] = {
            "tenant": "group-a",
            "roles": ["customer_service@estate-1"],
            "name": "王敏",
            "preferred_username": "wangmin",
        }
        self.issuer = IDP
        self.nonce_override: str | None = None
        self.token_requests: list[dict[str, list[str]]] = []

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [public | {"kid": "k1", "alg": "ES256", "use": "sig"}]}

    def authorize(self, url: str) -> str:
        """The person signs in; the provider sends the browser back with a code."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        code = f"code-{len(self.codes)}"
        self.codes[code] = query
        return f"{query['redirect_uri']}?code={code}&state={query['state']}"

    def _sign(self, claims: dict[str, Any]) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "sub": "u-1001", "iat": now, "exp": now + 3600} | claims
        return jwt.encode(body, self.key, algorithm="ES256", headers={"kid": "k1"})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(
                200,
                json={
                    "issuer": self.issuer,
                    "authorization_endpoint": f"{IDP}/authorize",
                    "token_endpoint": f"{IDP}/token",
                    "jwks_uri": f"{IDP}/jwks",
                    "end_session_endpoint": f"{IDP}/logout",
                },
            )
        if request.url.path == "/jwks":
            return httpx.Response(200, json=self.jwks())
        if request.url.path == "/token":
            form = parse_qs(request.content.decode())
            self.token_requests.append(form)
            asked = self.codes.pop(form["code"][0], None)
            verifier = form.get("code_verifier", [""])[0]
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
            if (
                asked is None
                or challenge.decode() != asked["code_challenge"]
                or form["redirect_uri"][0] != asked["redirect_uri"]
                or request.headers.get("authorization") != httpx.BasicAuth(CLIENT, "s3cret")._auth_header
            ):
                return httpx.Response(400, json={"error": "invalid_grant"})
            nonce = self.nonce_override or asked["nonce"]
            return httpx.Response(
                200,
                json={
                    "token_type": "Bearer",
                    "id_token": self._sign({"aud": CLIENT, "nonce": nonce, **self.claims}),
                    "access_token": self._sign({"aud": "tousu", **self.claims}),
                },
            )
        return httpx.Response(404)


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
async def console(
    tmp_path: Path, provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[AsyncTestClient[Any], FakeServices]]:
    jwks = tmp_path / "idp-jwks.json"
    jwks.write_text(json.dumps(provider.jwks()))
    # what the services trust, read by the console too
    issuers = [{"issuer": IDP, "tenant": "group-a", "jwks_file": str(jwks)}]
    monkeypatch.setenv("TOUSU_IDENTITY_ISSUERS", json.dumps(issuers))
    monkeypatch.setenv("TOUSU_IDENTITY_LOCAL_ISSUER", "false")
    settings = ConsoleSettings(
        oidc_issuer=IDP,
        oidc_client_id=CLIENT,
        oidc_client_secret="s3cret",
        oidc_operator_group="platform",
        people_file=tmp_path / "no-such-file.yaml",  # not read: the provider signs people in
        live_updates=False,
        desk_key="desk-secret",
    )
    app = build_app(settings, ServiceSettings(data_dir=tmp_path, kafka_bootstrap="127.0.0.1:1"))
    services = FakeServices()
    services.on("GET", "/v1/my/estates", [])
    services.on("GET", "/v1/queue", {"items": [], "total": 0})
    app.state.console.backend = Backend(settings, httpx.AsyncClient(transport=httpx.MockTransport(services)))
    app.state.console.oidc.http = httpx.AsyncClient(transport=httpx.MockTransport(provider))
    async with AsyncTestClient(app) as client:
        yield client, services


async def leave_for_provider(client: AsyncTestClient[Any], next: str = "/queues") -> str:
    page = await client.get(f"/login?next={next}")
    assert page.status_code == 200 and "/login/oidc?next=" in page.text and 'name="password"' not in page.text
    r = await client.get(f"/login/oidc?next={next}", follow_redirects=False)
    assert r.status_code in (302, 303) and r.headers["location"].startswith(f"{IDP}/authorize?")
    return r.headers["location"]


async def test_a_person_signs_in_at_the_provider_and_the_services_get_its_token(
    console: tuple[AsyncTestClient[Any], FakeServices], provider: FakeProvider
) -> None:
    client, services = console
    where = await leave_for_provider(client, "/queues?view=mine")
    asked = {k: v[0] for k, v in parse_qs(urlsplit(where).query).items()}
    assert asked["client_id"] == CLIENT and asked["code_challenge_method"] == "S256"
    assert asked["redirect_uri"] == "http://testserver.local/login/oidc/callback"
    assert "openid" in asked["scope"].split()

    back = urlsplit(provider.authorize(where))
    r = await client.get(f"{back.path}?{back.query}", follow_redirects=False)
    # a page that moves on by itself (the Strict session cookie would not follow a redirect)
    assert r.status_code == 200 and 'http-equiv="refresh"' in r.text and "/queues?view=mine" in r.text
    assert provider.token_requests[0]["code_verifier"][0] not in where  # the verifier never left

    r = await client.get("/queues?view=mine", follow_redirects=False)
    assert r.status_code == 200 and "王敏" in r.text
    bearer = services.calls[-1][3].removeprefix("Bearer ")
    claims = jwt.decode(bearer, options={"verify_signature": False})
    assert claims["iss"] == IDP and claims["aud"] == "tousu"  # the access token, not the ID token
    assert (await client.get("/ops", follow_redirects=False)).status_code == 403  # not in "platform"


async def test_the_operator_group_opens_the_operator_pages(
    console: tuple[AsyncTestClient[Any], FakeServices], provider: FakeProvider
) -> None:
    client, _ = console
    provider.claims["groups"] = ["platform"]
    back = urlsplit(provider.authorize(await leave_for_provider(client)))
    await client.get(f"{back.path}?{back.query}")
    assert (await client.get("/ops", follow_redirects=False)).status_code == 200


async def test_an_answer_for_another_sign_in_is_refused(
    console: tuple[AsyncTestClient[Any], FakeServices], provider: FakeProvider
) -> None:
    client, _ = console
    back = urlsplit(provider.authorize(await leave_for_provider(client)))
    r = await client.get(f"{back.path}?{back.query.replace('state=', 'state=x')}")
    assert r.status_code == 401 and "state" in r.text
    assert (await client.get("/queues", follow_redirects=False)).status_code in (302, 303)


async def test_an_id_token_for_another_sign_in_is_refused(
    console: tuple[AsyncTestClient[Any], FakeServices], provider: FakeProvider
) -> None:
    client, _ = console
    provider.nonce_override = "replayed"
    back = urlsplit(provider.authorize(await leave_for_provider(client)))
    r = await client.get(f"{back.path}?{back.query}")
    assert r.status_code == 401 and "nonce" in r.text


async def test_a_provider_the_services_do_not_trust_is_refused_with_the_reason(
    console: tuple[AsyncTestClient[Any], FakeServices], provider: FakeProvider
) -> None:
    client, _ = console
    provider.claims["tenant"] = "group-b"  # the provider speaks for group-a only
    back = urlsplit(provider.authorize(await leave_for_provider(client)))
    r = await client.get(f"{back.path}?{back.query}")
    assert r.status_code == 401 and "the services would refuse this sign-in" in r.text and "group-b" in r.text


async def test_a_refusal_at_the_provider_is_said_and_nothing_is_kept(
    console: tuple[AsyncTestClient[Any], FakeServices],
) -> None:
    client, _ = console
    where = await leave_for_provider(client)
    state = parse_qs(urlsplit(where).query)["state"][0]
    r = await client.get(
        f"/login/oidc/callback?error=access_denied&error_description=user+cancelled&state={state}"
    )
    assert r.status_code == 401 and "user cancelled" in r.text
    r = await client.get("/login/oidc/callback?code=x&state=y")  # the pending cookie is gone
    assert r.status_code == 401 and "start again" in r.text


async def test_a_provider_that_does_not_answer_is_a_503_page(
    console: tuple[AsyncTestClient[Any], FakeServices], provider: FakeProvider
) -> None:
    client, _ = console

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client.app.state.console.oidc.http = httpx.AsyncClient(transport=httpx.MockTransport(down))
    r = await client.get("/login/oidc")
    assert r.status_code == 503 and "not answering" in r.text


async def test_passwords_are_refused_when_the_provider_signs_people_in(
    console: tuple[AsyncTestClient[Any], FakeServices],
) -> None:
    client, _ = console
    await client.get("/login")
    r = await client.post(
        "/login",
        data={"login": "kefu", "password": "x"},
        headers={"x-csrftoken": client.cookies.get("csrftoken") or ""},
    )
    assert r.status_code == 400 and "identity provider" in r.text


async def test_without_a_provider_there_is_no_provider_sign_in(tmp_path: Path) -> None:
    people = tmp_path / "people.yaml"
    people.write_text("people: []\n")
    settings = ConsoleSettings(people_file=people, live_updates=False)
    app = build_app(settings, ServiceSettings(data_dir=tmp_path, kafka_bootstrap="127.0.0.1:1"))
    async with AsyncTestClient(app) as client:
        assert 'name="password"' in (await client.get("/login")).text
        assert (await client.get("/login/oidc", follow_redirects=False)).status_code == 404
        assert (await client.get("/login/oidc/callback?code=x&state=y")).status_code == 404


def test_where_the_services_trust_no_local_issuer_a_console_without_a_provider_will_not_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOUSU_IDENTITY_LOCAL_ISSUER", "false")
    people = tmp_path / "people.yaml"
    people.write_text("people: []\n")
    with pytest.raises(ValueError, match="set TOUSU_CONSOLE_OIDC_ISSUER"):
        build_app(ConsoleSettings(people_file=people), ServiceSettings(data_dir=tmp_path))


async def test_signing_out_signs_out_at_the_provider_too(
    console: tuple[AsyncTestClient[Any], FakeServices], provider: FakeProvider
) -> None:
    """A desk PC is shared: the next clerk must not walk into the last one's provider session."""
    client, _ = console
    back = urlsplit(provider.authorize(await leave_for_provider(client)))
    await client.get(f"{back.path}?{back.query}")
    assert (await client.get("/queues", follow_redirects=False)).status_code == 200
    r = await client.post(
        "/logout", headers={"x-csrftoken": client.cookies.get("csrftoken") or ""}, follow_redirects=False
    )
    where = urlsplit(r.headers["location"])
    assert r.status_code in (302, 303) and f"{where.scheme}://{where.netloc}{where.path}" == f"{IDP}/logout"
    asked = {k: v[0] for k, v in parse_qs(where.query).items()}
    assert asked == {"client_id": CLIENT, "post_logout_redirect_uri": "http://testserver.local/login"}
    assert (await client.get("/queues", follow_redirects=False)).status_code in (302, 303)
