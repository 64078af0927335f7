"""The regime ids Tousu ships (see REGIMES.md). The regime engine fills these with rules."""

REGIME_IDS: tuple[str, ...] = (
    "community-standard",
    "logistics-service",
    "service-station-sop",
    "developer-customer-service",
    "property-role-matrix",
)


def selected_regimes(setting: str) -> list[str]:
    """Parse ``TOUSU_REGIMES`` ('all' or a comma-separated list); unknown ids are an error."""
    if setting.strip() in ("", "all"):
        return list(REGIME_IDS)
    chosen = [r.strip() for r in setting.split(",") if r.strip()]
    unknown = [r for r in chosen if r not in REGIME_IDS]
    if unknown:
        raise ValueError(f"unknown regime id(s) {unknown}; known: {', '.join(REGIME_IDS)}")
    return chosen
