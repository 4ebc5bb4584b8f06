"""``python -m kscorpus``: the same as the ``kscorpus`` command."""

from kscorpus.cli.entry import main

main()
