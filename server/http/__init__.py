"""What the API and the web pages share of Flask: the engine accessor and gzip for JSON."""
