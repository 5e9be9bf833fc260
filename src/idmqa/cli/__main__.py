"""``python -m idmqa.cli``."""

import sys

from idmqa.cli import main

sys.exit(main())
