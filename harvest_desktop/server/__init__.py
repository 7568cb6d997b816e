"""harvest-server: the self-hostable Harvest API that desktop libraries sync through.

    pip install .[server]
    harvest-server --db sqlite:///harvest-server.db token create laptop   # prints the token once
    harvest-server --db sqlite:///harvest-server.db --host 127.0.0.1 --port 8765

One person: SQLite. A class or a team: PostgreSQL
(--db postgresql+psycopg://user:password@host/dbname), same code, same migrations. The API is
versioned under /v1 and describes itself at /v1/openapi.json (interactive docs at /v1/docs).
Nothing here is imported by the desktop app; FastAPI and uvicorn come with the `server` extra.
"""
