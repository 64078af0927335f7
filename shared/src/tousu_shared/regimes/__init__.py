"""Regimes: each property company's rulebook as versioned data (see REGIMES.md)."""

from tousu_shared.regimes.catalogue import (
    REGIME_IDS,
    UnknownRegimeError,
    list_regimes,
    load_regime,
    selected_regimes,
)
from tousu_shared.regimes.loader import Issue, RegimeFileError, load_regime_file, regime_json_schema
from tousu_shared.regimes.model import Regime

__all__ = [
    "REGIME_IDS",
    "Issue",
    "Regime",
    "RegimeFileError",
    "UnknownRegimeError",
    "list_regimes",
    "load_regime",
    "load_regime_file",
    "regime_json_schema",
    "selected_regimes",
]
