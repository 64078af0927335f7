"""Who may sign in to the console: a YAML file of people, each with a scrypt password hash,
their property group and their roles (``role@estate``, as tokens carry them).

A group with its own identity provider puts it in front of the console instead; this file
is for ``make run``, demos, and small groups without one. ``tousu console hash-password``
makes a hash for it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterator
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from tousu_shared.identity.principal import BadGrant, parse_grants

_N, _R, _P = 2**14, 8, 1


class Person(BaseModel):
    login: str = Field(pattern=r"^[a-z][a-z0-9_.-]{1,63}$")
    name: str = Field(min_length=1, max_length=64)
    tenant: str = Field(min_length=1, max_length=64)
    roles: list[str] = Field(min_length=1)
    password: str = Field(description="scrypt$N$r$p$salt$hash (tousu console hash-password)")
    #: of the platform team: sees the operator pages (regimes, calendars, channels, dead letters)
    operator: bool = False

    @field_validator("roles")
    @classmethod
    def _grants(cls, roles: list[str]) -> list[str]:
        try:
            parse_grants(roles)
        except BadGrant as exc:
            raise ValueError(str(exc)) from None
        return roles

    @field_validator("password")
    @classmethod
    def _hashed(cls, value: str) -> str:
        if not value.startswith("scrypt$") or value.count("$") != 5:
            raise ValueError("must be a scrypt hash (tousu console hash-password), never a clear password")
        return value


class PeopleFileError(ValueError):
    pass


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def password_matches(password: str, stored: str) -> bool:
    _, n, r, p, salt, digest = stored.split("$")
    got = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(got, _unb64(digest))


class People:
    def __init__(self, people: list[Person]) -> None:
        self._by_login = {p.login: p for p in people}

    @classmethod
    def load(cls, path: Path) -> People:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise PeopleFileError(f"{path}: cannot read it ({exc.strerror})") from None
        except yaml.YAMLError as exc:
            raise PeopleFileError(f"{path}: not valid YAML ({exc})") from None
        entries = raw.get("people") if isinstance(raw, dict) else None
        if not isinstance(entries, list):
            raise PeopleFileError(f"{path}: expected a top-level 'people:' list")
        people = []
        for n, entry in enumerate(entries, start=1):
            try:
                people.append(Person.model_validate(entry))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(x) for x in first["loc"]) or "entry"
                raise PeopleFileError(f"{path}: person {n}: {where}: {first['msg']}") from None
        return cls(people)

    def sign_in(self, login: str, password: str) -> Person | None:
        person = self._by_login.get(login.strip().lower())
        # hash even for an unknown login, so the answer takes as long either way
        stored = person.password if person else hash_password("-", salt=b"0" * 16)
        ok = password_matches(password, stored)
        return person if person and ok else None

    def __len__(self) -> int:
        return len(self._by_login)

    def __iter__(self) -> Iterator[Person]:
        return iter(self._by_login.values())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
