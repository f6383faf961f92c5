"""Allow ``python -m bot.offers``; the work is in cli.py."""

import sys

from .cli import main

sys.exit(main())
