"""Application database: SQLAlchemy base, engine and sessions, Alembic migrations."""
