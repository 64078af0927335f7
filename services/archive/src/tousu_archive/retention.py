"""How long a case file keeps its personal data: the regime's ``retention_years`` (002: 3
years, 9.2 保存期限為3年; the others default to 3), or the estate's own value, counted from
the day the case ended (closed, withdrawn or rejected). A case on legal hold is kept."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from tousu_archive.models import CaseFile
from tousu_shared.regimes import REGIME_IDS, load_regime

ENDED = ("closed", "withdrawn", "rejected")
#: for a case whose regime is unknown to this build: the rulebooks' common figure
FALLBACK_YEARS = 3.0


@cache
def regime_years(regime_id: str | None) -> float:
    name = (regime_id or "").split("@")[0]
    if name not in REGIME_IDS:
        return FALLBACK_YEARS
    regime = load_regime(name)
    return float(regime.parameters[regime.retention.years].default)


def add_years(at: datetime, years: float) -> datetime:
    """``at`` plus calendar years (29 February → 28 February), the fraction as days."""
    whole = int(years)
    try:
        moved = at.replace(year=at.year + whole)
    except ValueError:
        moved = at.replace(year=at.year + whole, day=28)
    return moved + timedelta(days=(years - whole) * 365)


def retention_ends(case: CaseFile) -> datetime | None:
    if case.status not in ENDED or case.closed_at is None:
        return None
    years = case.retention_years if case.retention_years is not None else regime_years(case.regime)
    return add_years(case.closed_at, years)


def purge_due(case: CaseFile, now: datetime) -> bool:
    ends = retention_ends(case)
    return ends is not None and ends <= now and not case.legal_hold and case.purged_at is None
