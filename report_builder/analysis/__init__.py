"""From validated evidence to the report: consistency checks, derived statistics, compared arms."""
