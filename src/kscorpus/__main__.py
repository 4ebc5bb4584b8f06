"""``python -m kscorpus``: the same as the ``kscorpus`` command."""

from .launch import main

main()
