"""Entry point for ``python -m triage_model``."""

import sys

from triage_model.cli import main

if __name__ == "__main__":
    sys.exit(main())
