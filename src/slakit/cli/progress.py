"""The progress bar drawn on a terminal while a report is computed."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from slakit.batch import RunProgress

__all__ = ["Progress"]


class Progress:
    """A one-line progress bar for a terminal: the share of the input file read, rows done, rows per second.

    The share counts bytes of the file (as stored: compressed for ``.gz``), so multi-line cells and long
    rows do not skew it, and it reaches 100 % with the last chunk; without a size (a DataFrame) only the
    rows are shown. Drawn at the first call and at the last (100 %), otherwise at most every ``interval``
    seconds however often it is called; ``close`` clears the line.
    """

    WIDTH = 24

    def __init__(self, stream: IO[str], *, clock: Callable[[], float] = time.monotonic, interval: float = 0.1) -> None:
        self.stream, self.clock, self.interval = stream, clock, interval
        self.started = self.last = clock()
        self.drawn = False  # nothing on the terminal yet

    def __call__(self, done: RunProgress) -> None:
        now = self.clock()
        share = done.fraction
        if self.drawn and now - self.last < self.interval and share != 1.0:
            return
        self.last = now
        rate = done.rows / (now - self.started) if now > self.started else 0.0
        if share is not None:
            filled = round(share * self.WIDTH)
            bar = f"[{'#' * filled}{'-' * (self.WIDTH - filled)}] {share * 100:3.0f}%  {done.rows:,} rows"
        else:
            bar = f"{done.rows:,} rows"
        self.stream.write(f"\r{bar}  {rate:,.0f} rows/s ")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """Clear the bar's line, if it was drawn."""
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
