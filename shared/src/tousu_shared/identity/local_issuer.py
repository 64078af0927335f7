"""Tousu's built-in token issuer, for ``make run``, demos and tests: an Ed25519 key under
the data folder (``identity/local-issuer.pem``, mode 0600) and its public JWKS beside it,
which every service of the run trusts (``TOUSU_IDENTITY_LOCAL_ISSUER``, on by default).

``tousu token --tenant G --role engineering@estate …`` mints a token with it. A property
group's own identity provider replaces it in production (``TOUSU_IDENTITY_ISSUERS``).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from tousu_shared.identity.principal import parse_grants
from tousu_shared.identity.tokens import LOCAL_ISSUER

KEY_FILE = "identity/local-issuer.pem"
JWKS_FILE = "identity/local-jwks.json"


def local_jwks_path(data_dir: Path) -> Path:
    """The local issuer's public keys, created with its key on first use."""
    ensure_local_issuer(data_dir)
    return data_dir / JWKS_FILE


def ensure_local_issuer(data_dir: Path) -> Ed25519PrivateKey:
    key_path = data_dir / KEY_FILE
    key_path.parent.mkdir(parents=True, exist_ok=True)
    if not key_path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:  # O_EXCL: the services of one run start together and must share one key
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
    key = _read_key(key_path)
    jwks_path = data_dir / JWKS_FILE
    jwks = {"keys": [_public_jwk(key)]}
    if not jwks_path.exists() or json.loads(jwks_path.read_text() or "{}") != jwks:
        tmp = jwks_path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(jwks, indent=2) + "\n")
        tmp.replace(jwks_path)
    return key


def issue(
    data_dir: Path,
    subject: str,
    tenant: str,
    roles: Iterable[str],
    name: str | None = None,
    ttl_seconds: int = 8 * 3600,
    audience: str = "tousu",
    now: float | None = None,
) -> str:
    """A signed token for ``subject`` of group ``tenant`` holding ``roles`` (role@estate)."""
    grants = parse_grants(roles)  # refuse a bad role before signing anything
    key = ensure_local_issuer(data_dir)
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": LOCAL_ISSUER,
        "aud": audience,
        "sub": subject,
        "tenant": tenant,
        "roles": sorted(str(g) for g in grants),
        "iat": issued,
        "exp": issued + ttl_seconds,
    }
    if name:
        claims["name"] = name
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": _kid(key)})


def _read_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 key")
    return key


def _public_jwk(key: Ed25519PrivateKey) -> dict[str, str]:
    jwk = OKPAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": _kid(key), "alg": "EdDSA", "use": "sig"}


def _kid(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]
