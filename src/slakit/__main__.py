"""``python -m slakit`` runs the ``slakit`` command."""

import sys

from slakit.cli import main

sys.exit(main())
