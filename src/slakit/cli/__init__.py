"""The ``slakit`` command: service reports from ticket exports, the demo, deadlines and ticket numbers.

The command is a thin shell over the library; it is the one place that may turn text from a user
into instants (always with an explicit zone), read the wall clock (marked ``# wall-clock ok``) and
print. One module per command (``evaluate``, ``demo``, ``deadline``, ``number``), each adding its
subparser with ``register``; ``parser`` wires them together and ``app`` runs them.
"""

from __future__ import annotations

from slakit.cli.app import main

__all__ = ["main"]
