"""Ticket numbers such as ``TS20240501001``: unique across threads, processes and crashes, and readable.

>>> from datetime import datetime, UTC
>>> numberer = TicketNumberer("TS")
>>> numberer.next(at=datetime(2024, 4, 30, 16, 30, tzinfo=UTC))
'TS20240501001'
>>> numberer.parse("TS20240501001")
TicketNumber(prefix='TS', date=datetime.date(2024, 5, 1), seq=1)

:class:`TicketNumberer` prints and parses numbers; a :class:`SequenceStore` keeps the counters:
:class:`MemorySequenceStore` in one process, :class:`SQLiteSequenceStore` in a file shared by the
processes of one machine, :class:`PostgresSequenceStore` in a database shared by many machines
(the ``postgres`` extra), or the host's own database. A store never issues a number text twice:
what it cannot be sure of, it refuses with a :class:`~slakit.errors.SlakitError` (the checks are in
:mod:`slakit.numbering.guards`).
:class:`PrefixMap` maps classification types to prefixes. See docs/numbering.md.
"""

from slakit.numbering.check_digits import CheckMethod, check_digits, luhn_check_digit, mod97_check_digits
from slakit.numbering.numberer import DEFAULT_TIMEZONE, Overflow, Reset, TicketNumberer
from slakit.numbering.pattern import DEFAULT_PATTERN, NumberPattern
from slakit.numbering.postgres_store import PostgresSequenceStore
from slakit.numbering.prefixes import DEFAULT_PREFIXES, Numberers, PrefixMap
from slakit.numbering.scheme import NumberingScheme
from slakit.numbering.sqlite_store import SQLiteSequenceStore, Synchronous
from slakit.numbering.stores import MemorySequenceStore, SchemeRegistry, SequenceStore
from slakit.numbering.ticket import MAX_COUNTER, TicketNumber

__all__ = [
    "DEFAULT_PATTERN",
    "DEFAULT_PREFIXES",
    "DEFAULT_TIMEZONE",
    "MAX_COUNTER",
    "CheckMethod",
    "MemorySequenceStore",
    "NumberPattern",
    "Numberers",
    "NumberingScheme",
    "Overflow",
    "PostgresSequenceStore",
    "PrefixMap",
    "Reset",
    "SQLiteSequenceStore",
    "SchemeRegistry",
    "SequenceStore",
    "Synchronous",
    "TicketNumber",
    "TicketNumberer",
    "check_digits",
    "luhn_check_digit",
    "mod97_check_digits",
]
