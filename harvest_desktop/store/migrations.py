"""Schema versions, applied in order and recorded in PRAGMA user_version."""

from __future__ import annotations

import sqlite3

# MIGRATIONS[n] brings a database from user_version n to n + 1.
MIGRATIONS: list[str] = [
    # 0 -> 1: the first schema.
    """
    CREATE TABLE source (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        location TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'queued',
        error TEXT,
        content_hash TEXT,
        title TEXT, author TEXT, site TEXT, published TEXT, license TEXT,
        final_url TEXT, fetched_at TEXT, mime TEXT,
        pages INTEGER, char_count INTEGER,
        duplicate_of INTEGER REFERENCES source(id) ON DELETE SET NULL,
        similar_to INTEGER REFERENCES source(id) ON DELETE SET NULL,
        similarity REAL,
        file_size INTEGER, file_mtime REAL,
        attempts INTEGER NOT NULL DEFAULT 0,
        added_at TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX ix_source_status ON source(status);
    CREATE INDEX ix_source_hash ON source(content_hash);
    CREATE INDEX ix_source_location ON source(location);

    CREATE TABLE document (
        source_id INTEGER PRIMARY KEY REFERENCES source(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        structure_json TEXT NOT NULL
    );

    CREATE TABLE chunk (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
        ord INTEGER NOT NULL,
        text TEXT NOT NULL,
        page INTEGER,
        heading_path TEXT NOT NULL DEFAULT '',
        start INTEGER NOT NULL DEFAULT 0,
        "end" INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX ix_chunk_source_id ON chunk(source_id);

    CREATE VIRTUAL TABLE chunk_fts USING fts5(text, content='chunk', content_rowid='id');
    CREATE TRIGGER chunk_ai AFTER INSERT ON chunk BEGIN
        INSERT INTO chunk_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER chunk_ad AFTER DELETE ON chunk BEGIN
        INSERT INTO chunk_fts(chunk_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TRIGGER chunk_au AFTER UPDATE ON chunk BEGIN
        INSERT INTO chunk_fts(chunk_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO chunk_fts(rowid, text) VALUES (new.id, new.text);
    END;

    CREATE TABLE embedding (
        chunk_id INTEGER PRIMARY KEY REFERENCES chunk(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        dim INTEGER NOT NULL,
        vector BLOB NOT NULL
    );

    CREATE TABLE output (
        id INTEGER PRIMARY KEY,
        format TEXT NOT NULL,
        title TEXT NOT NULL,
        engine TEXT NOT NULL,
        route_reason TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL DEFAULT '',
        content_json TEXT NOT NULL DEFAULT '{}',
        markdown TEXT NOT NULL DEFAULT '',
        source_ids TEXT NOT NULL DEFAULT '[]'
    );
    """,
    # 1 -> 2: bookkeeping for the FAISS file beside the database (index/service.py): the token of
    # the last saved index file, so a file older than the database's last change is never trusted.
    """
    CREATE TABLE index_state (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 2 -> 3: a chunk's page range (a paragraph joined across a page break runs onto the next page)
    # and what it holds (text, caption, sidebar, table, glossary, references, code), so citations
    # give "pp. 12-13" and study features skip captions and reference lists.
    """
    ALTER TABLE chunk ADD COLUMN page_end INTEGER;
    ALTER TABLE chunk ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
    """,
    # 3 -> 4: what generation needs from a source (sentences, concepts and their mentions,
    # definitions, relations), worked out once when the source is harvested (services/analysis.py)
    # and kept per analysis version, so a newer analyser re-does only what it must.
    """
    CREATE TABLE source_analysis (
        source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        content_hash TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL DEFAULT '',
        seconds REAL NOT NULL DEFAULT 0,
        data_json TEXT NOT NULL,
        PRIMARY KEY (source_id, version)
    );
    """,
    # 4 -> 5: the person's decision about a near-duplicate pair ("keep-both"), kept with the source
    # so `harvest list` and the window agree (it used to live in the window's state file).
    """
    ALTER TABLE source ADD COLUMN similar_decision TEXT;
    """,
    # 5 -> 6: sync with a Harvest server (sync/). Each synced record has a global uid and the server
    # version this copy is based on; triggers mark a record dirty when it changes and leave a
    # tombstone when it is deleted, so a sync finds its work without scanning the library. Losing
    # versions of a conflict are kept in sync_previous; sync_state holds the server URL (never the
    # token: that lives in the keyring), the pull cursor and the last sync time.
    """
    CREATE TABLE sync_item (
        kind TEXT NOT NULL,
        local_id INTEGER NOT NULL,
        uid TEXT NOT NULL UNIQUE,
        version INTEGER NOT NULL DEFAULT 0,
        dirty INTEGER NOT NULL DEFAULT 1,
        pushed_hash TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (kind, local_id)
    );
    CREATE INDEX ix_sync_item_dirty ON sync_item(dirty);
    CREATE TABLE sync_tombstone (
        uid TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 0,
        deleted_at TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE sync_previous (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        uid TEXT NOT NULL,
        local_id INTEGER,
        version INTEGER NOT NULL DEFAULT 0,
        reason TEXT NOT NULL DEFAULT '',
        saved_at TEXT NOT NULL DEFAULT '',
        payload_json TEXT NOT NULL
    );
    CREATE INDEX ix_sync_previous_uid ON sync_previous(uid);
    CREATE TABLE sync_state (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TRIGGER sync_source_au AFTER UPDATE ON source BEGIN
        UPDATE sync_item SET dirty = 1 WHERE kind = 'source' AND local_id = new.id AND dirty = 0;
    END;
    CREATE TRIGGER sync_document_ai AFTER INSERT ON document BEGIN
        UPDATE sync_item SET dirty = 1 WHERE kind = 'source' AND local_id = new.source_id AND dirty = 0;
    END;
    CREATE TRIGGER sync_source_ad AFTER DELETE ON source BEGIN
        INSERT OR REPLACE INTO sync_tombstone(uid, kind, version, deleted_at)
            SELECT uid, kind, version, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM sync_item
            WHERE kind = 'source' AND local_id = old.id;
        DELETE FROM sync_item WHERE kind = 'source' AND local_id = old.id;
    END;
    CREATE TRIGGER sync_analysis_ai AFTER INSERT ON source_analysis BEGIN
        UPDATE sync_item SET dirty = 1 WHERE kind = 'source' AND local_id = new.source_id AND dirty = 0;
    END;
    CREATE TRIGGER sync_output_au AFTER UPDATE ON output BEGIN
        UPDATE sync_item SET dirty = 1 WHERE kind = 'output' AND local_id = new.id AND dirty = 0;
    END;
    CREATE TRIGGER sync_output_ad AFTER DELETE ON output BEGIN
        INSERT OR REPLACE INTO sync_tombstone(uid, kind, version, deleted_at)
            SELECT uid, kind, version, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM sync_item
            WHERE kind = 'output' AND local_id = old.id;
        DELETE FROM sync_item WHERE kind = 'output' AND local_id = old.id;
    END;
    """,
    # 6 -> 7: the AI gateway's answer cache (exact and semantic) and its usage ledger. Neither ever
    # holds an API key: requests are stored as hashes, answers as the text the model returned.
    """
    CREATE TABLE ai_cache (
        id INTEGER PRIMARY KEY,
        exact_key TEXT NOT NULL UNIQUE,
        format TEXT NOT NULL,
        source_key TEXT NOT NULL,
        source_fingerprint TEXT NOT NULL,
        source_ids TEXT NOT NULL DEFAULT '[]',
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        embedding BLOB,
        response TEXT NOT NULL,
        tokens_in INTEGER NOT NULL DEFAULT 0,
        tokens_out INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL DEFAULT '',
        hits INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX ix_ai_cache_format_sources ON ai_cache(format, source_key);

    CREATE TABLE ai_cache_source (
        cache_id INTEGER NOT NULL REFERENCES ai_cache(id) ON DELETE CASCADE,
        source_id INTEGER NOT NULL,
        PRIMARY KEY (cache_id, source_id)
    );
    CREATE INDEX ix_ai_cache_source_source ON ai_cache_source(source_id);

    CREATE TABLE ai_usage (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        format TEXT NOT NULL DEFAULT '',
        provider TEXT NOT NULL,
        model TEXT NOT NULL DEFAULT '',
        route_reason TEXT NOT NULL DEFAULT '',
        tokens_in INTEGER NOT NULL DEFAULT 0,
        tokens_out INTEGER NOT NULL DEFAULT 0,
        est_tokens_in INTEGER,
        estimated_cost REAL,
        actual_cost REAL,
        latency_ms REAL NOT NULL DEFAULT 0,
        first_token_ms REAL,
        cached INTEGER NOT NULL DEFAULT 0,
        outcome TEXT NOT NULL,
        error TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX ix_ai_usage_at ON ai_usage(at);
    """,
    # 7 -> 8: versions of an output. The output row always holds the current version (exporters and
    # sync read it); an edit, a restore or an item written again first keeps the row as it was here,
    # then adds the new version, so every version stays. An output never changed has no rows here.
    """
    CREATE TABLE output_version (
        id INTEGER PRIMARY KEY,
        output_id INTEGER NOT NULL REFERENCES output(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        engine TEXT NOT NULL DEFAULT '',
        route_reason TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL DEFAULT '',
        content_json TEXT NOT NULL DEFAULT '{}',
        markdown TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        UNIQUE (output_id, number)
    );
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations, each in its own transaction; returns the final version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        from harvest_desktop.core.errors import KnownError

        raise KnownError(
            f"the library was written by a newer Harvest (schema {version}, this one knows {SCHEMA_VERSION})",
            hint="update Harvest, or point HARVEST_HOME at another folder",
        )
    while version < SCHEMA_VERSION:
        script = MIGRATIONS[version]
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version += 1
    return version


def _split(script: str) -> list[str]:
    """Split a script into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements
