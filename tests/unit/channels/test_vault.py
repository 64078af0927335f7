"""Intake's vault: sealed at rest, keys rotate, lookups by blind index."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st

from tousu_intake.settings import IntakeSettings
from tousu_intake.vault import Vault, VaultError, vault_from_settings

OLD, NEW, INDEX = (Fernet.generate_key().decode() for _ in range(3))


def test_a_sealed_phone_is_not_readable_and_opens_again() -> None:
    vault = Vault.from_keys([OLD], INDEX)
    sealed = vault.seal("13812345678")
    assert sealed and "13812345678" not in sealed and "5678" not in sealed
    assert vault.open(sealed) == "13812345678"


def test_after_rotation_old_values_still_open_and_new_ones_use_the_new_key() -> None:
    before = Vault.from_keys([OLD], INDEX).seal("王女士")
    rotated = Vault.from_keys([NEW, OLD], INDEX)
    assert rotated.open(before) == "王女士"
    after = rotated.seal("王女士")
    with pytest.raises(VaultError, match="does not open"):
        Vault.from_keys([OLD], INDEX).open(after)


@pytest.mark.parametrize("written", ["13812345678", "138 1234 5678", "+86 138-1234-5678", "8613812345678"])
def test_the_blind_index_finds_a_phone_however_it_is_written(written: str) -> None:
    vault = Vault.from_keys([OLD], INDEX)
    assert vault.index(written) == vault.index("13812345678")
    assert vault.index(written) != Vault.from_keys([OLD], NEW).index("13812345678")


@given(st.text(min_size=1, max_size=80))
def test_anything_sealed_opens_to_itself(value: str) -> None:
    vault = Vault.from_keys([OLD], INDEX)
    assert vault.open(vault.seal(value)) == value


def test_a_bad_key_is_a_clear_error() -> None:
    with pytest.raises(VaultError, match="not a Fernet key"):
        Vault.from_keys(["not-a-key"], INDEX)


def test_keys_come_from_a_mounted_file(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text(f"{NEW},{OLD}\n{INDEX}\n")
    vault = vault_from_settings(IntakeSettings(vault_keys_file=path), tmp_path)
    assert vault.open(Vault.from_keys([OLD], INDEX).seal("x")) == "x"
    path.write_text(f"{NEW}\n")
    with pytest.raises(VaultError, match="line 2"):
        vault_from_settings(IntakeSettings(vault_keys_file=path), tmp_path)


def test_a_local_run_gets_a_private_development_key_file(tmp_path: Path) -> None:
    first = vault_from_settings(IntakeSettings(), tmp_path)
    assert (tmp_path / "intake-vault.keys").stat().st_mode & 0o777 == 0o600
    assert vault_from_settings(IntakeSettings(), tmp_path).open(first.seal("x")) == "x"
