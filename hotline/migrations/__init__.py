"""Alembic migrations of the core's schema."""
