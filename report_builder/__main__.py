"""Allow ``python -m report_builder``."""
from report_builder.cli import run

if __name__ == "__main__":
    run()
