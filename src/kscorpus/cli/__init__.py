"""The ``kscorpus`` command: a thin Typer layer over the library."""
