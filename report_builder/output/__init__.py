"""The edge of a build: the one writer of output files, and the manifest."""
