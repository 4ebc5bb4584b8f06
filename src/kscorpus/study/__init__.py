"""Corpus study: concordances (KWIC), key terms, similar articles."""
