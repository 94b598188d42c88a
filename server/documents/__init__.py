"""Printed documents (PDF) the API and the pages both serve, rendered from HTML templates."""
