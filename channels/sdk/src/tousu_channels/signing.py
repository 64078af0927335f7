"""Tousu's default request authentication for channel accounts: API key or HMAC signature.

- API key: ``Authorization: Bearer <secret>``.
- HMAC: ``X-Tousu-Timestamp: <unix seconds>`` and
  ``X-Tousu-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>." + body)>``; a timestamp
  more than five minutes away is refused, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from tousu_channels.errors import Unauthorised
from tousu_channels.model import HttpIn

TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """Headers a client sends with ``body`` (for channel teams' clients and tests)."""
    ts = str(int(time.time() if now is None else now))
    return {"x-tousu-timestamp": ts, "x-tousu-signature": signature(secret, ts, body)}


def verify_signed_request(request: HttpIn, secret: str, now: float) -> None:
    auth = request.header("authorization")
    if auth is not None:
        scheme, _, key = auth.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(key.strip().encode(), secret.encode()):
            return
        raise Unauthorised("the API key is not valid for this account")
    ts, sig = request.header("x-tousu-timestamp"), request.header("x-tousu-signature")
    if not ts or not sig:
        raise Unauthorised("send Authorization: Bearer <key>, or X-Tousu-Timestamp and X-Tousu-Signature")
    try:
        skew = abs(now - int(ts))
    except ValueError:
        raise Unauthorised("X-Tousu-Timestamp is not unix seconds") from None
    if skew > TOLERANCE_SECONDS:
        raise Unauthorised(f"X-Tousu-Timestamp is {int(skew)} s away from now; at most {TOLERANCE_SECONDS}")
    if not hmac.compare_digest(signature(secret, ts, request.body), sig.strip()):
        raise Unauthorised("the signature does not match the body")
