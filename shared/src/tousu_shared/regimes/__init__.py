"""Regimes: each property company's rulebook as versioned data (see REGIMES.md)."""

from tousu_shared.regimes.catalogue import REGIME_IDS, selected_regimes

__all__ = ["REGIME_IDS", "selected_regimes"]
