"""Generators of the bundled PowerPoint masters: developer tools, run by hand and by the tests."""
