"""``python -m cxstats``: the ``cxstats`` command (see :mod:`cxstats.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
