"""Running the server: gunicorn for several workers, the WSGI entry point, the nightly scan."""
