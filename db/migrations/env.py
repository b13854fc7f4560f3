"""Alembic environment: migrations run on the engine handed over by db.engine.upgrade."""

from alembic import context

from db.models import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables.
    )
    with context.begin_transaction():
        context.run_migrations()
