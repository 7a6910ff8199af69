"""Templates per institution: the search path, the merged settings and the sandboxed wording."""
