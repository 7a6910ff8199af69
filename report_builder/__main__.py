"""Allow ``python -m report_builder``."""
from report_builder.cli import run

run()
