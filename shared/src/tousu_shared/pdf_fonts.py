"""The CJK font Tousu's PDFs (the feedback form, the reports) are printed in: found, checked and
registered with reportlab once.

reportlab's built-in fonts have no Chinese glyphs and its CID fonts are not embedded (a reader
without the Adobe Asian font packs shows blanks), so the form embeds a TrueType CJK font from
the machine. reportlab embeds TrueType outlines only: the CFF-outline Noto Sans/Serif CJK
``.otf``/``.ttc`` files are refused, hence none of them in :data:`KNOWN_FONTS`.

``TOUSU_PDF_FONT`` names the font (a ``.ttf``/``.ttc`` path; ``#N`` after a collection's path
picks its face N, 0 by default); unset, the first of :data:`KNOWN_FONTS` that exists is used.
``scripts/fonts.sh`` installs one (fonts-wqy-zenhei) where none is.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

#: the environment variable that names the font
FONT_ENV = "TOUSU_PDF_FONT"

#: TrueType CJK fonts looked for, best first, as (path, face index in the collection).
#: Keep in step with scripts/fonts.sh (a unit test checks it).
KNOWN_FONTS: tuple[tuple[str, int], ...] = (
    # Debian/Ubuntu: fonts-wqy-zenhei, fonts-wqy-microhei, fonts-arphic-uming/-ukai, fonts-droid-fallback
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    # Fedora/RHEL: wqy-zenhei-fonts, wqy-microhei-fonts
    ("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),
    # macOS, Windows (a developer's machine)
    ("/Library/Fonts/Arial Unicode.ttf", 0),
    ("C:/Windows/Fonts/simhei.ttf", 0),
    ("C:/Windows/Fonts/simsun.ttc", 0),
)

#: what to do when there is no usable font; every font error's message ends with it
HINT = (
    "install fonts-wqy-zenhei (apt-get install -y fonts-wqy-zenhei) "
    f"or set {FONT_ENV} to a TrueType CJK font (.ttf/.ttc, '#N' after a collection's path picks face N)"
)

#: characters a font must have to print the form (labels of both scripts, full-width punctuation)
_PROBE = "投诉反馈确认单處置驗證回訪满意（）：、"


class FormFontError(ValueError):
    """No usable CJK font for the form; the message says which and what to do."""


class FormFontMissing(FormFontError):
    """No CJK font found: ``TOUSU_PDF_FONT`` names a missing file, or none of the known ones exists."""


class FormFontUnusable(FormFontError):
    """The font file exists but can't print the form: not a font, CFF outlines, or no Chinese glyphs."""


def _parse(spec: str) -> tuple[Path, int]:
    """``/path/font.ttc#1`` → (path, 1); without a numeric ``#`` suffix the face is 0."""
    head, sep, tail = spec.rpartition("#")
    if sep and tail.isdigit() and head:
        return Path(head).expanduser(), int(tail)
    return Path(spec).expanduser(), 0


def cjk_font_source(spec: str | None = None) -> tuple[Path, int]:
    """The font file and face to print with: ``spec``, else ``TOUSU_PDF_FONT``, else the first
    existing of :data:`KNOWN_FONTS`. Raises :class:`FormFontMissing` if there is none."""
    named = f"font {spec}" if spec else ""
    if not spec and (spec := os.environ.get(FONT_ENV, "").strip()):
        named = f"{FONT_ENV}={spec}"
    if spec:
        path, index = _parse(spec)
        if not path.is_file():
            raise FormFontMissing(f"CJK {named} for the PDF form: no such file; {HINT}")
        return path, index
    for known, index in KNOWN_FONTS:
        if Path(known).is_file():
            return Path(known), index
    raise FormFontMissing(
        f"no CJK TrueType font for the PDF form ({FONT_ENV} is unset, and none of the "
        f"{len(KNOWN_FONTS)} known ones is there, e.g. {KNOWN_FONTS[0][0]}); {HINT}"
    )


def cjk_font_path() -> Path:
    """The font file the form is printed with (see :func:`cjk_font_source`)."""
    return cjk_font_source()[0]


_registered: dict[tuple[Path, int], str] = {}
_lock = threading.Lock()


def register_cjk_font(spec: str | None = None) -> str:
    """Register the font (see :func:`cjk_font_source`) with reportlab, once per file and face, and
    return its reportlab name. Raises :class:`FormFontUnusable` for a file reportlab can't embed
    or that has no Chinese glyphs."""
    path, index = cjk_font_source(spec)
    key = (path.resolve(), index)
    named = f"{path}#{index}" if index else str(path)
    with _lock:
        name = _registered.get(key)
        if name is not None:
            return name
        name = f"TousuCJK-{len(_registered)}"
        try:
            font = TTFont(name, str(path), subfontIndex=index)
        except (TTFError, OSError, ValueError, IndexError, KeyError) as exc:
            # TTFError: not a font, CFF outlines ("postscript outlines are not supported"), bad face index
            raise FormFontUnusable(
                f"CJK font {named} can't be embedded in the PDF form ({exc}); {HINT}"
            ) from exc
        missing = [c for c in _PROBE if ord(c) not in font.face.charToGlyph]
        if missing:
            raise FormFontUnusable(
                f"font {named} has no glyph for {''.join(missing)!r}: not a Chinese font; {HINT}"
            )
        pdfmetrics.registerFont(font)
        # One face for every style: <b>/<i> in a paragraph then print in it rather than fail.
        pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)
        _registered[key] = name
        return name
