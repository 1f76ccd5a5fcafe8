"""Check digits for ticket numbers: Luhn (one digit) and ISO 7064 MOD 97-10 (two digits).

Both are computed over the ASCII letters and digits of the number without its check digits, letters
counting as the numbers 10 (``A``) to 35 (``Z``) whatever their case, the way ISIN (Luhn) and IBAN
(MOD 97-10) spell letters out. Other characters (separators, non-Latin prefixes) are skipped.
Either method catches every single-digit typo and most swaps of two neighbouring digits.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

__all__ = ["CHECK_WIDTHS", "CheckMethod", "check_digits", "luhn_check_digit", "mod97_check_digits"]

CheckMethod = Literal["none", "luhn", "mod97"]
"""How a numberer protects its numbers: not at all, with one Luhn digit or with two MOD 97-10 digits."""

CHECK_WIDTHS: Final[Mapping[str, int]] = MappingProxyType({"none": 0, "luhn": 1, "mod97": 2})
"""How many characters ``{check}`` prints for each :data:`CheckMethod`."""


def _spelled_digits(payload: str) -> str:
    """The payload as a digit string: digits as they are, ASCII letters as 10..35, the rest dropped."""
    out: list[str] = []
    for char in payload:
        if "0" <= char <= "9":
            out.append(char)
        elif char.isascii() and char.isalpha():
            out.append(str(ord(char.upper()) - ord("A") + 10))
    return "".join(out)


def luhn_check_digit(payload: str) -> str:
    """The Luhn (mod 10) check digit that, appended to ``payload``, makes the whole number valid."""
    total = 0
    for index, char in enumerate(reversed(_spelled_digits(payload))):
        digit = ord(char) - 48
        if index % 2 == 0:  # the rightmost payload digit sits next to the check digit: doubled
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def mod97_check_digits(payload: str) -> str:
    """The two ISO 7064 MOD 97-10 check digits (``02``..``98``) for ``payload``.

    With the digits appended, the spelled-out number is congruent to 1 modulo 97, as in IBAN.
    """
    digits = _spelled_digits(payload)
    remainder = int(digits) % 97 if digits else 0
    return f"{98 - (remainder * 100) % 97:02d}"


def check_digits(method: CheckMethod, payload: str) -> str:
    """The check digits ``method`` prints for ``payload`` (the empty string for ``"none"``)."""
    if method == "luhn":
        return luhn_check_digit(payload)
    if method == "mod97":
        return mod97_check_digits(payload)
    return ""
