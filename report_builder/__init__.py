"""Turn a YAML evidence file into a PDF evidence summary and a PowerPoint teaching deck."""

__version__ = "0.1.0"
