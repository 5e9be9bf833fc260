"""``python -m idmqa.cli``."""

from idmqa.cli import run

run()
