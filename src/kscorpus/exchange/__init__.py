"""Exports (JSON, JSONL, CSV, OpenSearch bulk) and imports."""
