"""The search index: analysis, schema, the fast writer, generations on disk and their freshness."""
