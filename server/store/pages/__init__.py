"""The supervisor pages' read queries: one module per page, each returning plain rows."""
