"""Priority levels: a code users type (``P1``), a label people read (``紧急``) and a rank (1 = most urgent)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Priority"]


@dataclass(frozen=True, slots=True, order=True)
class Priority:
    """One priority level. Ordering and comparison go by ``rank`` first: P1 (rank 1) < P3 (rank 3)."""

    rank: int
    code: str
    name: str

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
