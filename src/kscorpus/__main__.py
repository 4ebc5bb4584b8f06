"""``python -m kscorpus``: the same as the ``kscorpus`` command."""

from .cli import main

main()
