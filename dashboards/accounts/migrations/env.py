"""Alembic's environment, run by dashboards.accounts.store.upgrade on the connection it hands over (no
alembic.ini, no URL here). render_as_batch: SQLite alters a table by copying it, which Alembic's batch
mode does for a later migration that changes a column."""
from alembic import context

from dashboards.accounts.models import Base

context.configure(connection=context.config.attributes["connection"], target_metadata=Base.metadata,
                  render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
