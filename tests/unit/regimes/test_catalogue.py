"""Finding a regime by reference: shipped, an extra folder, TOUSU_REGIMES_DIR."""

from __future__ import annotations

from pathlib import Path

import pytest

from tousu_shared.regimes import (
    REGIME_IDS,
    RegimeFileError,
    UnknownRegimeError,
    list_regimes,
    load_regime,
    selected_regimes,
)

from .conftest import shipped


def copy_as(folder: Path, regime_id: str, version: int, change: tuple[str, str] | None = None) -> Path:
    text = shipped(regime_id).read_text(encoding="utf-8").replace("version: 1\n", f"version: {version}\n", 1)
    if change:
        assert change[0] in text
        text = text.replace(change[0], change[1], 1)
    path = folder / f"{regime_id}@{version}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_by_id_and_by_id_at_version() -> None:
    assert load_regime("property-role-matrix").ref == "property-role-matrix@1"
    assert load_regime("service-station-sop@1").name == "投訴處理標準作業規程"


def test_unknown_id_and_version_list_what_exists() -> None:
    with pytest.raises(UnknownRegimeError) as caught:
        load_regime("no-such-regime")
    assert "unknown regime 'no-such-regime'" in str(caught.value)
    assert all(f"{i}@1" in str(caught.value) for i in REGIME_IDS)
    with pytest.raises(UnknownRegimeError, match=r"community-standard@7; known: community-standard@1"):
        load_regime("community-standard@7")
    with pytest.raises(UnknownRegimeError, match="not a regime reference"):
        load_regime("Community Standard")


def test_an_extra_folder_adds_versions_and_the_newest_wins(tmp_path: Path) -> None:
    copy_as(tmp_path, "property-role-matrix", 2, ("    default: 15\n", "    default: 10\n"))
    newest = load_regime("property-role-matrix", tmp_path)
    assert newest.ref == "property-role-matrix@2" and newest.parameters["onsite_limit"].default == 10
    assert load_regime("property-role-matrix@1", tmp_path).parameters["onsite_limit"].default == 15
    refs = [r.ref for r in list_regimes(tmp_path)]
    assert refs.count("property-role-matrix@1") == 1 and "property-role-matrix@2" in refs
    assert len(refs) == len(REGIME_IDS) + 1


def test_the_environment_variable_names_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_as(tmp_path, "logistics-service", 3)
    monkeypatch.setenv("TOUSU_REGIMES_DIR", str(tmp_path))
    assert load_regime("logistics-service").ref == "logistics-service@3"


def test_a_file_in_an_extra_folder_hides_the_shipped_one(tmp_path: Path) -> None:
    copy_as(tmp_path, "community-standard", 1, ("    default: 2\n", "    default: 4\n"))
    assert load_regime("community-standard@1", tmp_path).parameters["registration_limit"].default == 4


def test_the_file_name_must_match_the_content(tmp_path: Path) -> None:
    path = copy_as(tmp_path, "community-standard", 2)
    path.rename(tmp_path / "community-standard@5.yaml")
    with pytest.raises(RegimeFileError, match=r"community-standard@5.yaml:1: id: the file name says"):
        load_regime("community-standard@5", tmp_path)


def test_a_broken_file_in_the_folder_is_reported_with_its_line(tmp_path: Path) -> None:
    copy_as(tmp_path, "community-standard", 2, ("  clock: callback", "  clock: nothing"))
    with pytest.raises(
        RegimeFileError, match=r"community-standard@2.yaml:\d+: callback.clock: unknown clock"
    ):
        list_regimes(tmp_path)


def test_selected_regimes_still_parses_the_setting() -> None:
    assert selected_regimes("all") == list(REGIME_IDS)
    assert selected_regimes(" property-role-matrix ,logistics-service") == [
        "property-role-matrix",
        "logistics-service",
    ]
    with pytest.raises(ValueError, match="unknown regime"):
        selected_regimes("nope")
