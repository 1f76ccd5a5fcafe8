"""Ticket-number patterns such as ``"{prefix}{date:%Y%m%d}{seq:03d}"``: compiling, printing, reading back.

A pattern is literal text plus four tokens: ``{prefix}`` (exactly once), ``{date:<format>}`` (at most
once), ``{seq:0Nd}`` (exactly once, N from 1 to 18) and ``{check}`` (at most once). Write ``{{`` and
``}}`` for literal braces. Date formats use the fixed-width ``strftime`` directives ``%Y``, ``%y``,
``%m``, ``%d``, ``%j`` and ``%%`` only, so that every part of a number sits at a known position and
reading a number back is never ambiguous: only the sequence may grow (``overflow="widen"``).
"""

from __future__ import annotations

import re
import string
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Final

from slakit.errors import ConfigError, InvalidTicketNumberError
from slakit.numbering.check_digits import CHECK_WIDTHS, CheckMethod, check_digits
from slakit.numbering.date_format import DIRECTIVE_WIDTHS, DateFormat, is_digits
from slakit.numbering.ticket import MAX_COUNTER, TicketNumber

__all__ = ["DEFAULT_PATTERN", "NumberPattern", "validate_prefix"]

DEFAULT_PATTERN: Final = "{prefix}{date:%Y%m%d}{seq:03d}"
"""The pattern a :class:`TicketNumberer` uses unless told otherwise: ``TS20240501001``."""

_SEQ_SPEC: Final = re.compile(r"0([1-9][0-9]?)d")
_MAX_SEQ_WIDTH: Final = 18
_MAX_SEQ_DIGITS: Final = len(str(MAX_COUNTER))  # 19: a widened sequence is never longer
_MAX_PREFIX_LENGTH: Final = 32
_TOKENS: Final = "{prefix}, {date:<format>}, {seq:0Nd} and {check}"


@dataclass(frozen=True, slots=True)
class _Literal:
    text: str
    is_prefix: bool = False

    @property
    def width(self) -> int:
        return len(self.text)


@dataclass(frozen=True, slots=True)
class _Seq:
    width: int


@dataclass(frozen=True, slots=True)
class _Check:
    width: int


_Segment = _Literal | DateFormat | _Seq | _Check


def validate_prefix(value: object, *, field: str = "prefix") -> str:
    """Return ``value`` if it can be a ticket-number prefix, else raise ConfigError naming ``field``.

    A prefix is 1 to 32 printable characters without whitespace, such as ``TS`` or ``SS``.
    """
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= _MAX_PREFIX_LENGTH
        or not value.isprintable()
        or any(char.isspace() for char in value)
    ):
        raise ConfigError.for_value(
            field, value, f"1 to {_MAX_PREFIX_LENGTH} printable characters without spaces, such as 'TS'"
        )
    return value


def _pattern_error(pattern: object, expected: str) -> ConfigError:
    return ConfigError.for_value("pattern", pattern, expected)


def _compile(  # noqa: C901, PLR0912 -- one branch per kind of token, each with its own message
    pattern: object, prefix: str, check: CheckMethod
) -> tuple[_Segment, ...]:
    if not isinstance(pattern, str) or not pattern:
        raise _pattern_error(pattern, f"a non-empty string of literal text and the tokens {_TOKENS}")
    try:
        pieces = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise _pattern_error(
            pattern, f"a pattern with balanced braces ({exc}); write {{{{ and }}}} for literal braces"
        ) from None
    segments: list[_Segment] = []
    counts: Counter[str] = Counter()
    for literal, name, spec, conversion in pieces:
        if literal:
            segments.append(_Literal(literal))
        if name is None:
            continue
        segment: _Segment
        if conversion is not None:
            raise _pattern_error(pattern, f"tokens without conversions ({_TOKENS}; got '!{conversion}')")
        if name == "prefix" and not spec:
            segment = _Literal(prefix, is_prefix=True)
        elif name == "date" and spec:
            try:
                segment = DateFormat.compile(spec)
            except ValueError as exc:
                raise _pattern_error(pattern, str(exc)) from None
        elif name == "seq":
            match = _SEQ_SPEC.fullmatch(spec or "")
            if match is None or int(match[1]) > _MAX_SEQ_WIDTH:
                raise _pattern_error(pattern, "a {seq:0Nd} token with N from 1 to 18, such as {seq:03d}")
            segment = _Seq(int(match[1]))
        elif name == "check" and not spec:
            if check == "none":
                raise _pattern_error(
                    pattern,
                    "a pattern without {check} when check='none' (choose check='luhn' or check='mod97')",
                )
            segment = _Check(CHECK_WIDTHS[check])
        else:
            token = "{" + name + (":" + spec if spec else "") + "}"
            raise _pattern_error(pattern, f"literal text and the tokens {_TOKENS} only (not {token})")
        counts[name] += 1
        segments.append(segment)
    for name, allowed in (
        ("prefix", "exactly one"),
        ("seq", "exactly one"),
        ("date", "at most one"),
        ("check", "at most one"),
    ):
        if counts[name] > 1 or (allowed == "exactly one" and counts[name] == 0):
            raise _pattern_error(pattern, f"a pattern with {allowed} {{{name}}} token")
    if check != "none" and not counts["check"]:
        segments.append(_Check(CHECK_WIDTHS[check]))
    return tuple(segments)


class NumberPattern:
    """A ticket-number pattern compiled for one prefix and one check method.

    ``NumberPattern(DEFAULT_PATTERN, prefix="TS").render(date(2024, 5, 1), 1)`` is ``"TS20240501001"``
    and :meth:`parse` reads it back. With ``widen=True`` a sequence too large for ``{seq:0Nd}`` prints
    with more digits and still parses; otherwise :meth:`parse` accepts exactly N digits. When
    ``check`` is not ``"none"`` and the pattern has no ``{check}`` token, one is added at the end.
    Raises :class:`~slakit.errors.ConfigError` for a malformed pattern or prefix.
    """

    __slots__ = (
        "_check",
        "_date",
        "_fixed_width",
        "_prefix",
        "_segments",
        "_seq_index",
        "_seq_width",
        "_text",
        "_widen",
    )

    def __init__(self, pattern: str, *, prefix: str, check: CheckMethod = "none", widen: bool = False) -> None:
        if check not in CHECK_WIDTHS:
            raise ConfigError.for_value("check", check, "one of 'none', 'luhn' or 'mod97'")
        self._text = pattern
        self._prefix = validate_prefix(prefix)
        self._check: CheckMethod = check
        self._widen = bool(widen)
        self._segments = _compile(pattern, self._prefix, check)
        self._seq_index, self._seq_width = next(
            (i, seg.width) for i, seg in enumerate(self._segments) if isinstance(seg, _Seq)
        )
        self._date = next((seg for seg in self._segments if isinstance(seg, DateFormat)), None)
        self._fixed_width = sum(seg.width for seg in self._segments)

    @property
    def text(self) -> str:
        """The pattern as written, e.g. ``"{prefix}{date:%Y%m%d}{seq:03d}"``."""
        return self._text

    @property
    def prefix(self) -> str:
        """The prefix ``{prefix}`` prints."""
        return self._prefix

    @property
    def check(self) -> CheckMethod:
        """The check method ``{check}`` prints."""
        return self._check

    @property
    def widen(self) -> bool:
        """Whether sequences beyond ``{seq:0Nd}`` print with more digits instead of being refused."""
        return self._widen

    @property
    def seq_width(self) -> int:
        """N in ``{seq:0Nd}``: how many digits the sequence is padded to."""
        return self._seq_width

    @property
    def max_seq(self) -> int:
        """The largest sequence ``{seq:0Nd}`` prints in N digits (999 for ``{seq:03d}``)."""
        return int("9" * self._seq_width)

    @property
    def date_format(self) -> str | None:
        """The format inside ``{date:...}``, or None when the pattern prints no date."""
        return self._date.spec if self._date else None

    @property
    def date_directives(self) -> frozenset[str]:
        """The date directives the pattern prints, such as ``{"%Y", "%m", "%d"}``."""
        if self._date is None:
            return frozenset()
        return self._date.directives

    @property
    def layout(self) -> tuple[tuple[str, str, int], ...]:
        """What the pattern prints, piece by piece, as ``(kind, what, width)``.

        ``("text", "T", 1)`` for each literal character (the prefix's included), ``("date", "%Y", 4)``
        for each date directive, ``("seq", "03d", 3)`` for the sequence (wider when widened) and
        ``("check", "luhn", 1)`` for the check digits. Every piece but text prints ASCII digits only.
        Two patterns with the same layout print the same number for every day and sequence.
        """
        pieces: list[tuple[str, str, int]] = []
        for segment in self._segments:
            if isinstance(segment, _Literal):
                pieces.extend(("text", char, 1) for char in segment.text)
            elif isinstance(segment, DateFormat):
                pieces.extend(
                    ("date", part, DIRECTIVE_WIDTHS[part]) if len(part) == 2 else ("text", part, 1)
                    for part in segment.parts
                )
            elif isinstance(segment, _Seq):
                pieces.append(("seq", f"0{segment.width}d", segment.width))
            else:
                pieces.append(("check", self._check, segment.width))
        return tuple(pieces)

    def __repr__(self) -> str:
        return f"NumberPattern({self._text!r}, prefix={self._prefix!r}, check={self._check!r}, widen={self._widen})"

    def render(self, day: date, seq: int) -> str:
        """The ticket number for sequence ``seq`` (1 or more) on calendar day ``day``.

        Raises ConfigError when ``day`` is outside 2000-2099 and the pattern prints ``%y``.
        """
        if self._date is not None and "%y" in self._date.parts and not 2000 <= day.year <= 2099:
            raise ConfigError.for_value(
                "date",
                day,
                f"a date in 2000-2099, because pattern {self._text!r} prints a two-digit year (%y)",
            )
        pieces: list[str] = []
        check_at = -1
        for segment in self._segments:
            if isinstance(segment, _Literal):
                pieces.append(segment.text)
            elif isinstance(segment, DateFormat):
                pieces.append(segment.format(day))
            elif isinstance(segment, _Seq):
                pieces.append(f"{seq:0{segment.width}d}")
            else:
                check_at = len(pieces)
                pieces.append("")
        if check_at >= 0:
            pieces[check_at] = check_digits(self._check, "".join(pieces))
        return "".join(pieces)

    def parse(self, number: object) -> TicketNumber:
        """Read ``number`` back into its parts; InvalidTicketNumberError says what is wrong.

        The message names the problem: the wrong prefix (or other literal text), an impossible date,
        the wrong length, a malformed sequence, or check digits that do not match.
        """
        if not isinstance(number, str):
            raise InvalidTicketNumberError(f"a ticket number must be a string (got {number!r})")
        length = len(number)
        day: date | None = None
        position = 0
        # Everything left of the sequence sits at a fixed position, whatever the total length.
        for segment in self._segments[: self._seq_index]:
            if position + segment.width > length:
                break
            day = self._read_fixed(number, segment, position) or day
            position += segment.width
        longest = self._fixed_width + (_MAX_SEQ_DIGITS - self._seq_width if self._widen else 0)
        if not self._fixed_width <= length <= longest:
            expected = (
                f"{self._fixed_width}"
                if not self._widen
                else f"at least {self._fixed_width}"
                if length < self._fixed_width
                else f"at most {longest}"
            )
            raise InvalidTicketNumberError(
                f"ticket number {number!r} has the wrong length: pattern {self._text!r} prints "
                f"{expected} characters (got {length})"
            )
        seq_width = self.seq_width + length - self._fixed_width
        seq = self._read_seq(number, number[position : position + seq_width])
        position += seq_width
        for segment in self._segments[self._seq_index + 1 :]:
            day = self._read_fixed(number, segment, position) or day
            position += segment.width
        self._verify_check(number, seq_width)
        return TicketNumber(prefix=self._prefix, date=day, seq=seq)

    def _read_fixed(self, number: str, segment: _Segment, position: int) -> date | None:
        piece = number[position : position + segment.width]
        if isinstance(segment, _Literal) and piece != segment.text:
            what = "the wrong prefix" if segment.is_prefix else f"text that does not match pattern {self._text!r}"
            raise InvalidTicketNumberError(
                f"ticket number {number!r} has {what}: expected {segment.text!r} at position {position} (got {piece!r})"
            )
        if isinstance(segment, DateFormat):
            day = segment.read(piece)
            if day is None:
                raise InvalidTicketNumberError(
                    f"ticket number {number!r} has an impossible date: {piece!r} at position {position} "
                    f"is not a date in format {segment.spec!r}"
                )
            return day
        return None

    def _read_seq(self, number: str, piece: str) -> int:
        if not is_digits(piece):
            raise InvalidTicketNumberError(
                f"ticket number {number!r} has a malformed sequence: {piece!r} must be {len(piece)} digits"
            )
        seq = int(piece)
        if seq > MAX_COUNTER:
            raise InvalidTicketNumberError(
                f"ticket number {number!r} has sequence {piece!r}, which is never issued (sequences go up to "
                f"{MAX_COUNTER})"
            )
        if seq == 0:
            raise InvalidTicketNumberError(
                f"ticket number {number!r} has sequence {piece!r}, which is never issued (sequences start at 1)"
            )
        if f"{seq:0{self.seq_width}d}" != piece:
            raise InvalidTicketNumberError(
                f"ticket number {number!r} has the wrong length: sequence {piece!r} carries more leading "
                f"zeros than {{seq:0{self.seq_width}d}} prints"
            )
        return seq

    def _verify_check(self, number: str, seq_width: int) -> None:
        if self._check == "none":
            return
        start = 0
        for segment in self._segments:
            if isinstance(segment, _Check):
                break
            start += seq_width if isinstance(segment, _Seq) else segment.width
        width = CHECK_WIDTHS[self._check]
        found = number[start : start + width]
        payload = number[:start] + number[start + width :]
        if found != check_digits(self._check, payload):
            raise InvalidTicketNumberError(
                f"ticket number {number!r} has bad check digits: {found!r} at position {start} is not the "
                f"{self._check} check of {payload!r}"
            )
