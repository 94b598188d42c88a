"""Database reads of the supervisor pages, one module per page (SQLAlchemy Core)."""
