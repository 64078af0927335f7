"""The intake service process."""

from __future__ import annotations

from tousu_intake.routes import list_estates, post_complaint, put_estate
from tousu_shared.runtime.service import ServiceSpec, serve

SPEC = ServiceSpec(
    name="intake",
    title="Tousu intake",
    migrations="tousu_intake.migrations",
    writes=lambda topics, regimes: [topics.received(r) for r in regimes],
    routes=[put_estate, list_estates, post_complaint],
)


def main() -> None:
    serve(SPEC)


if __name__ == "__main__":
    main()
