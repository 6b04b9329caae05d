"""SQL statements too large for storage/repositories.py, built once and run by the services."""
