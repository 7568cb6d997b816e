"""SQLite library store: sqlmodel tables, PRAGMA user_version migrations, one writer."""
