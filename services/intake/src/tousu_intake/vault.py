"""Intake's vault: residents' names, phones and addresses, encrypted at rest.

Values are sealed with Fernet (AES-128-CBC + HMAC-SHA256) through MultiFernet, so keys
can rotate: the first key encrypts, every listed key decrypts. Lookups ("has this phone
complained before?") use a blind index, an HMAC of the normalised value under its own
key, so no clear phone number is ever stored or compared.

Keys come from ``TOUSU_VAULT_KEYS`` / ``TOUSU_VAULT_INDEX_KEY`` or a mounted file
(``TOUSU_VAULT_KEYS_FILE``: line 1 the keys, line 2 the index key). A local run without
either generates a development key file under the data folder and says so.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from tousu_intake.settings import IntakeSettings
from tousu_shared.logging import get_logger

log = get_logger(__name__)


class VaultError(Exception):
    """The vault cannot start (bad key) or cannot open a value (key missing from the list)."""


@dataclass(frozen=True)
class Vault:
    sealer: MultiFernet
    index_key: bytes

    @classmethod
    def from_keys(cls, keys: list[str], index_key: str) -> Vault:
        if not keys or not index_key:
            raise VaultError("the vault needs at least one key and an index key")
        try:
            return cls(MultiFernet([Fernet(k.strip().encode()) for k in keys]), index_key.encode())
        except (ValueError, TypeError) as exc:
            raise VaultError(f"a vault key is not a Fernet key (32 url-safe base64 bytes): {exc}") from None

    def seal(self, value: str | None) -> str | None:
        return None if value is None else self.sealer.encrypt(value.encode()).decode()

    def open(self, sealed: str | None) -> str | None:
        if sealed is None:
            return None
        try:
            return self.sealer.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise VaultError("a sealed value does not open with any configured key") from None

    def index(self, value: str | None) -> str | None:
        """Blind index of a phone number or address, equal for equal values however written."""
        if not value:
            return None
        return hmac.new(self.index_key, normalise(value).encode(), hashlib.sha256).hexdigest()


def normalise(value: str) -> str:
    value = value.strip().lower()
    digits = re.sub(r"[\s()+-]", "", value)
    if digits.isdigit():
        return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
    return value


def vault_from_settings(settings: IntakeSettings, data_dir: Path) -> Vault:
    if settings.vault_keys and settings.vault_index_key:
        return Vault.from_keys(
            settings.vault_keys.get_secret_value().split(","), settings.vault_index_key.get_secret_value()
        )
    if settings.vault_keys_file:
        return _from_file(settings.vault_keys_file)
    return _development_vault(data_dir / "intake-vault.keys")


def _from_file(path: Path) -> Vault:
    try:
        lines = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    except OSError as exc:
        raise VaultError(f"cannot read the vault key file {path}: {exc.strerror}") from None
    if len(lines) < 2:
        raise VaultError(f"{path}: line 1 the Fernet keys (comma-separated), line 2 the index key")
    return Vault.from_keys(lines[0].split(","), lines[1])


def _development_vault(path: Path) -> Vault:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"{Fernet.generate_key().decode()}\n{Fernet.generate_key().decode()}\n")
        log.warning("generated a development vault key; set TOUSU_VAULT_KEYS in production", path=str(path))
    return _from_file(path)
