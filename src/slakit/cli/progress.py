"""The progress bar drawn on a terminal while a report is computed, and the row estimate it shows."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

__all__ = ["Progress", "estimate_rows"]


class Progress:
    """A one-line progress bar for a terminal: rows done, share of the estimated total, rows per second.

    Drawn at the first call, then at most every ``interval`` seconds however often it is called;
    ``close`` clears the line.
    """

    WIDTH = 24

    def __init__(
        self, stream: IO[str], total: int | None, *, clock: Callable[[], float] = time.monotonic, interval: float = 0.1
    ) -> None:
        self.stream, self.total, self.clock, self.interval = stream, total, clock, interval
        self.started = self.last = clock()
        self.drawn = False  # nothing on the terminal yet

    def __call__(self, done: int) -> None:
        now = self.clock()
        if self.drawn and now - self.last < self.interval:
            return
        self.last = now
        rate = done / (now - self.started) if now > self.started else 0.0
        if self.total:
            share = min(1.0, done / self.total)
            filled = round(share * self.WIDTH)
            bar = f"[{'#' * filled}{'-' * (self.WIDTH - filled)}] {share * 100:3.0f}%  {done:,}/~{self.total:,} rows"
        else:
            bar = f"{done:,} rows"
        self.stream.write(f"\r{bar}  {rate:,.0f} rows/s ")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """Clear the bar's line, if it was drawn."""
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()


def estimate_rows(path: Path) -> int | None:
    """About how many records ``path`` holds (its line count), or None for compressed or unreadable files."""
    if path.suffix.lower() == ".gz":
        return None
    try:
        with path.open("rb") as file:
            lines = sum(block.count(b"\n") for block in iter(lambda: file.read(1 << 20), b""))
    except OSError:
        return None
    is_flat = path.suffix.lower() in (".csv", ".tsv")
    return max(0, lines - 1) if is_flat else lines
