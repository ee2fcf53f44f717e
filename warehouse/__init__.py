"""The SQL warehouse: models, Alembic migrations, the loader and the analyst views."""
