"""Accounts of the dashboard: who may log in, with which role and scope, and the audit trail of what was
done with them. An SQLite database (Settings.accounts_db) through SQLAlchemy, its schema made by Alembic
migrations (migrations/), passwords hashed by argon2-cffi (passwords.py). No Dash here: the read layer
(dashboards.views) will take its viewer from an account, and the command line
(`python -m dashboards users …`, cli.py) manages them without starting the app."""

ROLES = ("admin", "analyst", "leader", "institute")
