"""Data access: paper queries and records, tag operations, the merge writer, the change feed."""
