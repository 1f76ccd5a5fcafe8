"""A small helpdesk service embedding slakit: FastAPI + SQLAlchemy on SQLite (see README.md)."""
