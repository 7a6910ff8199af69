"""Size limits of input files: a module of its own so the build can check a file's size before it
imports the YAML reader and the schema."""

MAX_BYTES = 5 * 1024 * 1024  #: larger evidence files are refused before parsing
MAX_NODES = 200_000  #: bounds alias expansion ("billion laughs") and absurd files
MAX_DEPTH = 60
MAX_DIGITS = 18  #: no count, year or identifier number is longer; Python refuses very long ones anyway
MAX_TEXT = 20_000  #: characters of one text (the bundled example's longest is under 600)
MAX_ITEMS = 500  #: entries of one list (the bundled example's longest has 13)
MAX_NAME = 2_500  #: characters of a name, short name or abbreviation (charts and slides cut longer ones to fit)
#: Lists whose length the outputs cannot take past a point: the quiz letters its options A-Z, and a
#: study's arms each need a colour, a column and a legend entry.
MAX_LIST = {"options": 26, "arms": 12}
MAX_NUMBER = 1e9  #: no count, median, percentage, ratio or year is larger; 1e308 is a typing mistake
MIN_MAGNITUDE = 1e-30  #: a non-zero number closer to zero than this (5e-324, say) is a typing mistake too
MIN_YEAR, MAX_YEAR = 1900, 2199  #: dates outside these years are typing mistakes
