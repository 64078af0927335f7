"""People's tokens: what verifies, and every way a forged, stale or foreign token fails."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from tousu_shared.identity import Grant
from tousu_shared.identity.local_issuer import issue, local_jwks_path
from tousu_shared.identity.tokens import IdentitySettings, IssuerConfig, TokenVerifier, Unauthenticated

ROLES = ["engineering@estate-a", "quality_manager@*"]


def verifier(data_dir: Path, **settings: object) -> TokenVerifier:
    return TokenVerifier(IdentitySettings(**settings), local_jwks_path(data_dir))


def refused(v: TokenVerifier, token: str) -> str:
    with pytest.raises(Unauthenticated) as caught:
        v.verify(token)
    assert token not in str(caught.value)
    return str(caught.value)


def test_a_local_token_names_the_person_their_group_and_their_roles(tmp_path: Path) -> None:
    token = issue(tmp_path, "eng-07", "jinxiu-group", ROLES, name="王工")
    who = verifier(tmp_path).verify(token)
    assert (who.subject, who.tenant, who.name, who.kind, who.issuer) == (
        "eng-07",
        "jinxiu-group",
        "王工",
        "person",
        "tousu-local",
    )
    assert who.grants == {Grant("engineering", "estate-a"), Grant("quality_manager", "*")}
    assert who.roles_in("estate-a") == {"engineering", "quality_manager"}
    assert who.roles_in("estate-b") == {"quality_manager"}


def test_an_expired_token_is_refused(tmp_path: Path) -> None:
    token = issue(tmp_path, "eng-07", "g", ROLES, ttl_seconds=60, now=time.time() - 3600)
    assert "expired" in refused(verifier(tmp_path), token)


def test_a_token_signed_by_another_key_is_refused(tmp_path: Path) -> None:
    genuine = issue(tmp_path, "eng-07", "g", ROLES)
    forger = tmp_path / "forger"
    forged = issue(forger, "eng-07", "g", ["general_manager@*"])
    # the forger copies the genuine key id so the verifier picks the genuine key
    header = jwt.get_unverified_header(genuine)
    claims = jwt.decode(forged, options={"verify_signature": False})
    key = Ed25519PrivateKey.generate()
    resigned = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": header["kid"]})
    assert "signature" in refused(verifier(tmp_path), resigned)
    # and its own key id is unknown here
    assert "no key" in refused(verifier(tmp_path), forged)


def test_a_token_of_an_issuer_not_trusted_here_is_refused(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    claims = {"iss": "https://idp.other.example", "aud": "tousu", "sub": "x", "tenant": "g"}
    now = int(time.time())
    token = jwt.encode({**claims, "iat": now, "exp": now + 60}, key, algorithm="EdDSA")
    assert "not trusted" in refused(verifier(tmp_path), token)


def test_a_token_for_another_audience_is_refused(tmp_path: Path) -> None:
    token = issue(tmp_path, "eng-07", "g", ROLES, audience="some-other-app")
    assert "not for 'tousu'" in refused(verifier(tmp_path), token)


@pytest.mark.parametrize("algorithm", ["none", "HS256"])
def test_unsigned_and_shared_secret_tokens_are_refused(tmp_path: Path, algorithm: str) -> None:
    issue(tmp_path, "eng-07", "g", ROLES)  # the issuer exists
    jwks = json.loads(local_jwks_path(tmp_path).read_text())
    now = int(time.time())
    claims = {"iss": "tousu-local", "aud": "tousu", "sub": "x", "tenant": "g", "roles": ROLES}
    secret = jwks["keys"][0]["x"] if algorithm == "HS256" else None  # the public key as an HMAC secret
    token = jwt.encode(
        {**claims, "iat": now, "exp": now + 60},
        secret,  # type: ignore[arg-type]
        algorithm=algorithm,
        headers={"kid": jwks["keys"][0]["kid"]},
    )
    refused(verifier(tmp_path), token)


def test_the_local_issuer_can_be_switched_off(tmp_path: Path) -> None:
    token = issue(tmp_path, "eng-07", "g", ROLES)
    assert "not trusted" in refused(verifier(tmp_path, local_issuer=False), token)


def test_a_groups_own_issuer_speaks_for_that_group_only(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    jwk = {**OKPAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": "k1", "alg": "EdDSA"}
    jwks = tmp_path / "jinxiu-jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk]}))
    idp = IssuerConfig(issuer="https://sso.jinxiu.example", tenant="jinxiu-group", jwks_file=jwks)
    v = verifier(tmp_path, issuers=[idp])
    now = int(time.time())
    base = {"iss": idp.issuer, "aud": "tousu", "sub": "cs-02", "iat": now, "exp": now + 600}

    def signed(**claims: object) -> str:
        return jwt.encode({**base, **claims}, key, algorithm="EdDSA", headers={"kid": "k1"})

    assert v.verify(signed(roles=["customer_service@estate-a"])).tenant == "jinxiu-group"
    assert "does not speak for" in refused(v, signed(tenant="other-group", roles=[]))
    assert "role@estate" in refused(v, signed(roles=["customer_service"]))


def test_an_issuer_needs_exactly_one_key_source() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        IssuerConfig(issuer="x", tenant="g")


def test_an_identity_providers_keys_are_fetched_from_its_jwks_url(tmp_path: Path) -> None:
    """What production does: the group's provider publishes its keys at a JWKS URL (served
    here on loopback), and a token it signs verifies; a rotated-in key is fetched when a
    token names it, at most once per cooldown."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    keys = {"k1": Ed25519PrivateKey.generate()}

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(
                {
                    "keys": [
                        {**OKPAlgorithm.to_jwk(k.public_key(), as_dict=True), "kid": kid, "alg": "EdDSA"}
                        for kid, k in keys.items()
                    ]
                }
            ).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/realms/jinxiu/certs"
        idp = IssuerConfig(issuer="https://sso.jinxiu.example", tenant="jinxiu-group", jwks_url=url)
        v = verifier(tmp_path, issuers=[idp])
        now = int(time.time())
        claims = {"iss": idp.issuer, "aud": "tousu", "sub": "cs-02", "iat": now, "exp": now + 600}

        def signed(kid: str, name_the_key: bool = True) -> str:
            return jwt.encode(
                {**claims, "roles": ["customer_service@estate-a"]},
                keys[kid],
                algorithm="EdDSA",
                headers={"kid": kid} if name_the_key else None,
            )

        token = signed("k1")
        assert v.issuer_of(token).fetches_keys
        assert v.verify(token).subject == "cs-02"
        # a provider with one key may leave its id out of the token
        assert v.verify(signed("k1", name_the_key=False)).subject == "cs-02"
        # a key the set does not hold: fetched again at most once per cooldown (30 s), so a
        # flood of made-up key ids cannot hammer the provider; within it, refused
        keys["k2"] = Ed25519PrivateKey.generate()
        assert "no key 'k2'" in refused(v, signed("k2"))
        # with two keys published, a token must say which
        v = verifier(tmp_path, issuers=[idp])
        assert "the issuer publishes 2" in refused(v, signed("k1", name_the_key=False))
    finally:
        server.shutdown()
