"""Masking of residents' personal data for events, logs and traces."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d")
# Mainland mobile numbers (also grouped 139 1234 5678 / 186-2000-1234) and landlines, with
# or without +86 / area code separators.
PHONE_PATTERN = re.compile(
    r"(?<!\d)(?:\+?86[- ]?)?(?:1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}[- ]?\d{7,8})(?!\d)"
)


def mask_phone(phone: str) -> str:
    """Keep the first 3 and last 4 digits: 13812345678 -> 138****5678."""
    digits = "".join(_DIGITS.findall(phone))
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) < 8:
        return "*" * (len(digits) - 2) + digits[-2:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(name: str) -> str:
    """Keep the family name only: 张三丰 -> 张**; John Smith -> J*********."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)


def mask_phones_in_text(text: str) -> str:
    """Replace every phone number found in free text with its masked form."""
    return PHONE_PATTERN.sub(lambda m: mask_phone(m.group(0)), text)
