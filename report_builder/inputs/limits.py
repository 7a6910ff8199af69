"""Size limits of input files: a module of its own so the build can check a file's size before it
imports the YAML reader and the schema."""

MAX_BYTES = 5 * 1024 * 1024  #: larger evidence files are refused before parsing
MAX_NODES = 200_000  #: bounds alias expansion ("billion laughs") and absurd files
MAX_DEPTH = 60
MAX_DIGITS = 18  #: no count, year or identifier number is longer; Python refuses very long ones anyway
