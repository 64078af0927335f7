"""The refusal every dispatch rule raises; the HTTP layer turns it into a 4xx."""

from __future__ import annotations

from typing import Literal


class ActionRefused(ValueError):
    """An action the work order cannot take; ``kind`` says whether the request or the state is at fault."""

    def __init__(self, kind: Literal["invalid", "conflict"], detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
