"""Secrets come from the environment or from mounted files, never from the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from tousu_shared.settings import ServiceSettings

URL = "postgresql+asyncpg://tousu:s3cret@db.internal:5432/intake"


def test_the_database_url_may_come_from_a_mounted_file(tmp_path: Path) -> None:
    mounted = tmp_path / "database-url"
    mounted.write_text(URL + "\n")
    settings = ServiceSettings(database_url_file=mounted, data_dir=tmp_path)
    assert settings.database_url_for("intake") == URL


def test_a_missing_or_empty_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read TOUSU_DATABASE_URL_FILE"):
        ServiceSettings(database_url_file=tmp_path / "nope").database_url_for("intake")
    (tmp_path / "empty").write_text("  \n")
    with pytest.raises(ValueError, match="is empty"):
        ServiceSettings(database_url_file=tmp_path / "empty").database_url_for("intake")


def test_the_variable_wins_over_the_file(tmp_path: Path) -> None:
    settings = ServiceSettings(database_url=URL, database_url_file=tmp_path / "ignored")
    assert settings.database_url_for("intake") == URL
