"""Bringing a DTSEN extract into the registry: formats, checks, member ids, the run itself."""
