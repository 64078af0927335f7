"""The feedback confirmation form (《投诉反馈确认单》 or a regime's own form name) as a PDF in
Chinese: what it prints (:mod:`.model`), the layout (:mod:`.pdf`) and the CJK font it embeds
(:mod:`tousu_shared.pdf_fonts`, shared with archive's reports)."""

from tousu_callback.form.model import CallbackOutcome, FeedbackForm, HandlingStep
from tousu_callback.form.pdf import render_feedback_form
from tousu_shared.pdf_fonts import (
    FONT_ENV,
    FormFontError,
    FormFontMissing,
    FormFontUnusable,
    cjk_font_path,
    register_cjk_font,
)

__all__ = [
    "FONT_ENV",
    "CallbackOutcome",
    "FeedbackForm",
    "FormFontError",
    "FormFontMissing",
    "FormFontUnusable",
    "HandlingStep",
    "cjk_font_path",
    "register_cjk_font",
    "render_feedback_form",
]
