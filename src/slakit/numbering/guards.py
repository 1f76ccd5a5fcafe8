"""The checks that keep every store from issuing a number twice, in one place for all of them.

A store keeps two records of each counter: the counter itself (its value) and a high-water mark (the
last value issued, with a check value over key and value), in two separate tables, so one damaged
record never hides the other; a counter never exists without its mark. Before anything is issued,
:func:`verified_counter` reads both and trusts the counter only when they agree, and
:func:`following` refuses to go past :data:`MAX_COUNTER`. The list of numbering schemes a store has
issued with is kept the same way: each entry with its check value, and a seal (how many there are
and a digest of them) under the empty key among the marks (:func:`verified_schemes`,
:func:`scheme_seal`); :func:`admit_scheme` refuses a scheme that could print a number another one
issued. The memory store, the SQLite store and any other store call these functions, so the rules
are the same everywhere. docs/numbering.md, "Numbers are never issued twice", says why each rule is
there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Final

from slakit.errors import (
    ConfigError,
    PatternConflictError,
    SequenceExhaustedError,
    SequenceIntegrityError,
    shown,
)
from slakit.numbering.scheme import NumberingScheme
from slakit.numbering.ticket import MAX_COUNTER

__all__ = [
    "MAX_COUNTER",
    "SCHEME_SEAL_KEY",
    "admit_scheme",
    "advanced",
    "checked_sequence",
    "following",
    "mark_checksum",
    "require_key",
    "scheme_checksum",
    "scheme_seal",
    "verified_counter",
    "verified_schemes",
]

SCHEME_SEAL_KEY: Final = ""
"""The key under which the marks hold the seal of the scheme list (never a counter's key)."""

MAX_KEY_LENGTH: Final = 1_000
"""The longest key a store accepts (a numberer's keys are at most 43 characters)."""

_PERSON: Final = b"slakit-numbers"  # BLAKE2b's personalisation: these digests are slakit's own
_UNTRUSTED: Final = "nothing was issued"
_REPAIR: Final = (
    "the file was changed outside slakit or is damaged: restore it from a backup, or set the counter "
    "past the last number really issued with the store's advance()"
)


def require_key(key: object) -> str:
    """Return ``key`` if it is a valid sequence key, else raise ConfigError.

    A key is a non-empty string of at most 1,000 characters that can be written as UTF-8.
    """
    if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_LENGTH or not _is_utf8(key):
        raise ConfigError.for_value("key", key, "a non-empty string of at most 1000 characters such as 'TS:2024-05-01'")
    return key


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def _digest(*parts: str) -> int:
    """A signed 64-bit digest of ``parts`` (it fits any database's 64-bit integer column)."""
    encoded = [part.encode("utf-8", "surrogatepass") for part in parts]
    data = b"".join(len(piece).to_bytes(8, "big") + piece for piece in encoded)
    return int.from_bytes(hashlib.blake2b(data, digest_size=8, person=_PERSON).digest(), "big", signed=True)


def mark_checksum(key: str, value: int) -> int:
    """The check value kept with the high-water mark ``value`` of counter ``key``."""
    return _digest("mark", key, str(value))


def _is_count(value: object, low: int) -> bool:
    """Whether ``value`` is an int (not a bool) from ``low`` to :data:`MAX_COUNTER`."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= MAX_COUNTER


Rows = Sequence[Sequence[object]]
"""The rows a store found for one key, as its database returns them: none, or one (more is damage)."""


def _single(key: str, rows: Rows, what: str, *, store: str, path: str | None) -> Sequence[object] | None:
    """The one row of ``rows`` (None when there is none); two or more cannot happen in an intact file."""
    if len(rows) > 1:
        raise SequenceIntegrityError(
            f"{store}: {what} {key!r} has {len(rows)} rows; {_UNTRUSTED}: {_REPAIR}",
            path=path,
        )
    return rows[0] if rows else None


def _intact_mark(key: str, row: Sequence[object] | None) -> int | None:
    """The value of a high-water mark row whose check value matches, else None."""
    if row is None or len(row) != 2:
        return None
    value, checksum = row
    if isinstance(value, int) and _is_count(value, 0) and checksum == mark_checksum(key, value):
        return value
    return None


def _counter_value(row: Sequence[object] | None) -> int | None:
    """The value of a counter row when it is an integer from 0 to MAX_COUNTER, else None."""
    if row is None or len(row) != 1:
        return None
    value = row[0]
    return value if isinstance(value, int) and _is_count(value, 0) else None


def verified_counter(key: str, counters: Rows, marks: Rows, *, store: str, path: str | None = None) -> int:
    """The value of counter ``key`` from its two records, when they can be trusted.

    ``counters`` are the rows ``(value,)`` the store found for ``key`` among its counters, ``marks``
    the rows ``(value, check)`` among its high-water marks: normally one each, none for a new key.
    The counter is trusted when it is an integer from 0 to :data:`MAX_COUNTER` and its mark is
    intact and not above it; both missing is a new counter (0). A counter without its mark is not
    trusted, whatever its value: one record lost and the other lowered would otherwise pass for a
    new counter. A counter above its mark (raised by ``advance`` or by an outside migration) is
    trusted: that can skip numbers, never repeat one.
    Otherwise raises :class:`~slakit.errors.SequenceIntegrityError` naming ``store``, the key and
    what is wrong; ``path`` is kept on the error.
    """
    counter = _single(key, counters, "counter", store=store, path=path)
    mark = _single(key, marks, "the high-water mark of counter", store=store, path=path)
    high = _intact_mark(key, mark)
    if mark is not None and high is None:
        raise SequenceIntegrityError(
            f"{store}: the high-water mark of counter {key!r} is damaged (it reads {shown(tuple(mark))}); "
            f"{_UNTRUSTED}: {_REPAIR}",
            path=path,
        )
    if counter is None:
        if high is None:
            return 0
        raise SequenceIntegrityError(
            f"{store}: counter {key!r} is missing although numbers up to {high} were issued under it; "
            f"{_UNTRUSTED}: {_REPAIR}",
            path=path,
        )
    value = _counter_value(counter)
    if value is None:
        stored: object = counter[0] if len(counter) == 1 else tuple(counter)
        raise SequenceIntegrityError(
            f"{store}: counter {key!r} holds {shown(stored)} ({type(stored).__name__}), not an integer from 0 to "
            f"{MAX_COUNTER}; {_UNTRUSTED}: {_REPAIR}",
            path=path,
        )
    if high is None:
        raise SequenceIntegrityError(
            f"{store}: counter {key!r} is at {value} but has no high-water mark, so the numbers it issued "
            f"cannot be confirmed; {_UNTRUSTED}: {_REPAIR}",
            path=path,
        )
    if high is not None and value < high:
        raise SequenceIntegrityError(
            f"{store}: counter {key!r} went back from {high} to {value}, so numbers {value + 1} to {high} "
            f"would be issued again; {_UNTRUSTED}: {_REPAIR}",
            path=path,
        )
    return value


def following(key: str, current: int, *, store: str) -> int:
    """The value ``next(key)`` issues after ``current``; SequenceExhaustedError past :data:`MAX_COUNTER`."""
    if current >= MAX_COUNTER:
        raise SequenceExhaustedError(
            f"{store}: counter {key!r} is at {MAX_COUNTER}, the largest value a counter holds; "
            "no number can follow it, so nothing was issued"
        )
    return current + 1


def advanced(key: str, counters: Rows, marks: Rows, value: object) -> int:
    """The counter's value after ``advance(key, value)``: ``value``, or what the records prove if higher.

    ``value`` must be an integer from 0 to :data:`MAX_COUNTER` (ConfigError). Unlike
    :func:`verified_counter` this does not refuse damaged records: it is how an operator repairs a
    refused counter, and it never goes below an intact mark or an integer counter, so it cannot make
    a store repeat a number it can still prove it issued.
    """
    if not isinstance(value, int) or not _is_count(value, 0):
        raise ConfigError.for_value("value", value, f"an integer from 0 to {MAX_COUNTER}")
    evidence = [value]
    evidence.extend(found for row in counters if (found := _counter_value(row)) is not None)
    evidence.extend(found for row in marks if (found := _intact_mark(key, row)) is not None)
    return max(evidence)


def checked_sequence(value: object, *, key: str, store: object) -> int:
    """``value`` if a store may have returned it from ``next(key)`` (an int from 1 to :data:`MAX_COUNTER`).

    What a numberer checks of any store, its own or a host's; ConfigError (path ``store``) otherwise.
    """
    if not isinstance(value, int) or not _is_count(value, 1):
        raise ConfigError(
            f"store {store!r} returned {shown(value)} from next({key!r}); a SequenceStore must return "
            f"an int from 1 to {MAX_COUNTER}",
            path="store",
        )
    return value


def scheme_checksum(scheme: str) -> int:
    """The check value kept with a recorded scheme text."""
    return _digest("scheme", scheme)


def scheme_seal(schemes: Iterable[str]) -> tuple[int, int]:
    """The seal of a scheme list: ``(how many, digest of them all)``, kept under :data:`SCHEME_SEAL_KEY`."""
    ordered = sorted(schemes)
    return len(ordered), _digest("schemes", *ordered)


def verified_schemes(rows: Rows, seals: Rows, *, store: str, path: str | None = None) -> list[str]:
    """The recorded scheme texts, when every row's check value and the seal agree with them.

    ``rows`` are the ``(text, check)`` rows of the scheme list, ``seals`` the ``(count, digest)`` rows
    found among the marks under :data:`SCHEME_SEAL_KEY` (normally one; none and no schemes is a store
    that has recorded none yet).
    Raises :class:`~slakit.errors.SequenceIntegrityError` otherwise: a pattern change could then
    no longer be checked against every numbering the store has issued with.
    """
    texts: list[str] = []
    for row in rows:
        text, checksum = (row[0], row[1]) if len(row) == 2 else (None, None)
        valid = isinstance(text, str) and _is_utf8(text) and checksum == scheme_checksum(text)
        try:
            valid = valid and NumberingScheme.from_text(text).text == text
        except ValueError:
            valid = False
        if not valid:
            raise SequenceIntegrityError(
                f"{store}: a recorded numbering scheme is damaged (it reads {shown(text)}); {_UNTRUSTED}: "
                "the file was changed outside slakit or is damaged; restore it from a backup",
                path=path,
            )
        texts.append(text)  # type: ignore[arg-type]
    expected = [scheme_seal(texts)] if texts else []
    found = [tuple(seal) for seal in seals]
    if found != expected:
        raise SequenceIntegrityError(
            f"{store}: the list of numbering schemes does not match its seal ({len(texts)} recorded, the seal "
            f"reads {shown(found)}); a scheme may be missing, so {_UNTRUSTED}: the file was changed outside "
            "slakit or is damaged; restore it from a backup",
            path=path,
        )
    return texts


def admit_scheme(scheme: str, recorded: Sequence[str]) -> bool:
    """Whether ``scheme`` (a :attr:`NumberingScheme.text`) is new to a store that recorded ``recorded``.

    Raises :class:`~slakit.errors.PatternConflictError` when a number of ``scheme`` could have the
    text of a number of a recorded scheme (:meth:`NumberingScheme.may_repeat`), and ConfigError when
    ``scheme`` is not a scheme text. True means the store must record it before issuing with it.
    """
    try:
        new = NumberingScheme.from_text(scheme)
    except ValueError:
        raise ConfigError.for_value("scheme", scheme, "the text of a NumberingScheme") from None
    if scheme in recorded:
        return False
    for text in recorded:
        old = NumberingScheme.from_text(text)
        if new.may_repeat(old):
            expected = "a numbering that cannot print a number this store already issued"
            raise PatternConflictError(
                f"'pattern' must be {expected} (got {new.describe()}): the store issued numbers with "
                f"{old.describe()}, and both could print the same text, so nothing was issued; keep that "
                "numbering, or give the new one another prefix or another store",
                path="pattern",
                expected=expected,
            )
    return True
