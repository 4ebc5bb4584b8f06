"""kscorpus: a bilingual (Chinese/English) corpus and search tool for the command line.

The library is the product; the CLI (``kscorpus.cli``) is a thin shell over it. Data flows one
way: corpus files → cleaned documents (``pipeline``) → Whoosh index (``index``) → queries
(``search``).
"""

from . import timings as _timings  # noqa: F401  (marks when kscorpus was loaded)

__version__ = "0.1.0"
