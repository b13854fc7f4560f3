"""Data access: paper queries and records, tag operations, the merge writer, the change feed.

The store itself is ``app.store.store.Store``; this package imports nothing, so that its
light modules (``changes``, ``filters``) load without the database stack.
"""
