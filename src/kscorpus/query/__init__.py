"""From a query to ranked, highlighted hits: parsing, filters, ranking, BM25F scoring, snippets."""
