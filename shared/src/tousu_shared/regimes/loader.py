"""Read a regime file: YAML → :class:`Regime` → cross-reference checks.

Every problem is reported as ``FILE:LINE: field.path: message`` (an :class:`Issue`);
:class:`RegimeFileError` carries all of them, never a traceback's worth of pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tousu_shared.regimes.checks import check_regime
from tousu_shared.regimes.model import Regime
from tousu_shared.yamlsrc import Document, YamlSyntaxError, duplicate_keys, parse, render_path


@dataclass(frozen=True)
class Issue:
    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class RegimeFileError(ValueError):
    """A regime file that cannot be used; ``issues`` says every reason, one line each."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = issues


def load_regime_file(path: Path | str) -> Regime:
    """Load and check one regime file; raise :class:`RegimeFileError` on any problem."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegimeFileError([Issue(name, None, None, "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise RegimeFileError([Issue(name, None, None, f"cannot read: {reason}")]) from None
    return parse_regime(text, name)


def parse_regime(text: str, filename: str = "<regime>") -> Regime:
    """Parse and check a regime given as YAML text; ``filename`` is what the issues name."""
    try:
        doc = parse(text)
    except YamlSyntaxError as exc:
        raise RegimeFileError([Issue(filename, exc.line, "yaml", exc.message)]) from None
    issues = [Issue(filename, line, "yaml", msg) for line, msg in duplicate_keys(doc.root)]
    if not isinstance(doc.data, dict):
        found = "an empty file" if doc.data is None else f"a {type(doc.data).__name__}"
        issues.append(Issue(filename, doc.line_of(()), None, f"a regime is a YAML mapping, found {found}"))
        raise RegimeFileError(issues)
    try:
        regime = Regime.model_validate(doc.data)
    except ValidationError as exc:
        issues += [_pydantic_issue(filename, doc, err) for err in exc.errors()]
        raise RegimeFileError(issues) from None
    for path, message in check_regime(regime):
        issues.append(Issue(filename, doc.line_of(path), render_path(path), message))
    if issues:
        raise RegimeFileError(issues)
    return regime


def _pydantic_issue(filename: str, doc: Document, err: Any) -> Issue:
    loc = tuple(p for p in err["loc"] if p != "[key]")
    kind, message = err["type"], str(err["msg"])
    if kind == "missing":
        message = "missing (required)"
    elif kind == "extra_forbidden":
        message = f"unknown field {loc[-1]!r}"
    elif kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif kind == "literal_error":
        message = f"unknown value {err['input']!r}; one of: {err['ctx']['expected']}"
    elif kind == "string_pattern_mismatch":
        message = f"{err['input']!r} is not a valid id (must match {err['ctx']['pattern']})"
    elif "input" in err and not isinstance(err["input"], dict | list):
        message = f"{message} (got {err['input']!r})"
    return Issue(filename, doc.line_of(loc), render_path(loc), message)


def regime_json_schema() -> dict[str, Any]:
    """The JSON Schema of a regime file (exported as ``shared/schemas/Regime.v1.json``)."""
    schema = Regime.model_json_schema()
    schema["title"] = "Regime"
    schema["description"] = (
        "One property company's complaint rulebook as data (Tousu regime file, see REGIMES.md)."
    )
    return schema


def load_regime(ref: str, directory: Path | None = None) -> Regime:
    """Same as :func:`tousu_shared.regimes.catalogue.load_regime` (kept here for convenience)."""
    from tousu_shared.regimes.catalogue import load_regime as from_catalogue

    return from_catalogue(ref, directory)
