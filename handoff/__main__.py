"""Entry point for ``python -m handoff``."""

import sys

from handoff.cli import main

if __name__ == "__main__":
    sys.exit(main())
