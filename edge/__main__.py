"""``python -m edge`` is the same as ``gate-edge``."""
import sys

from edge.cli import main

sys.exit(main())
