"""Alembic environment: migrations run on the engine handed over by db.engine.upgrade."""

from alembic import context

from db.models import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    # Batch mode recreates a table (copy, drop, rename). On SQLite, dropping ``papers``
    # with foreign keys on would cascade to paper_tags and notes, so they are off while
    # migrations run (the pragma is ignored inside a transaction: set before it begins).
    raw = connection.connection.driver_connection if connection.dialect.name == "sqlite" else None
    if raw is not None:
        raw.execute("PRAGMA foreign_keys = OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables.
        )
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if raw is not None:
            raw.execute("PRAGMA foreign_keys = ON")
