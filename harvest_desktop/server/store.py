"""The server's storage through sqlmodel: SQLite for one person, PostgreSQL for a team, one code path.

The database URL picks the engine (sqlite:///path/to/harvest-server.db or
postgresql+psycopg://user:pass@host/db). Schema versions live in the `server_meta` table and
MIGRATIONS below are applied in order at start-up, written with SQLAlchemy's portable DDL so both
engines get the same tables. Tokens are stored as SHA-256 hashes (they are 256-bit random values,
so a plain hash is enough); the token itself is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone
from typing import Callable, Optional

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, Session, SQLModel, create_engine, select


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Meta(SQLModel, table=True):
    __tablename__ = "server_meta"
    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=256)


class Token(SQLModel, table=True):
    __tablename__ = "device_token"
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    created_at: str = ""
    revoked_at: Optional[str] = None
    last_used_at: Optional[str] = None


class LibraryRow(SQLModel, table=True):
    __tablename__ = "library"
    id: Optional[int] = Field(default=None, primary_key=True)
    uid: str = Field(index=True, unique=True, max_length=64)
    name: str = Field(max_length=500)
    created_at: str = ""
    created_by: str = ""


class Record(SQLModel, table=True):
    """The current version of one source or output (deleted: a tombstone that others pull)."""

    __tablename__ = "record"
    __table_args__ = (UniqueConstraint("library_id", "uid", name="uq_record_library_uid"),
                      Index("ix_record_library_seq", "library_id", "seq"))
    id: Optional[int] = Field(default=None, primary_key=True)
    library_id: int = Field(foreign_key="library.id")
    kind: str = Field(max_length=16)
    uid: str = Field(max_length=64)
    version: int = 1
    seq: int = 0
    deleted: bool = False
    payload: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    updated_at: str = ""
    updated_by: str = ""


class RecordVersion(SQLModel, table=True):
    """Every version ever pushed (outputs keep their history; sources too)."""

    __tablename__ = "record_version"
    __table_args__ = (UniqueConstraint("library_id", "uid", "version", name="uq_record_version"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    library_id: int = Field(foreign_key="library.id")
    kind: str = Field(max_length=16)
    uid: str = Field(max_length=64, index=True)
    version: int
    deleted: bool = False
    payload: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: str = ""
    created_by: str = ""


class AppliedChange(SQLModel, table=True):
    """Each change id applied once: a retried push gets the first answer back, nothing applied twice."""

    __tablename__ = "applied_change"
    change_id: str = Field(primary_key=True, max_length=80)
    library_id: int
    uid: str = Field(max_length=64)
    version: int
    created_at: str = ""


class IdempotentResponse(SQLModel, table=True):
    """The answer to a request that carried an Idempotency-Key, replayed when the key comes again."""

    __tablename__ = "idempotent_response"
    token_id: int = Field(primary_key=True)
    key: str = Field(primary_key=True, max_length=200)
    status: int
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: str = ""


def _v1(conn: Connection) -> None:
    tables = [SQLModel.metadata.tables[n] for n in ("server_meta", "device_token", "library", "record",
                                                     "record_version", "applied_change", "idempotent_response")]
    SQLModel.metadata.create_all(conn, tables=tables)
    conn.execute(text("INSERT INTO server_meta(name, value) VALUES ('seq', '0')"))


# MIGRATIONS[n] brings the server's database from schema n to n + 1 (portable DDL only).
MIGRATIONS: list[Callable[[Connection], None]] = [_v1]
SCHEMA_VERSION = len(MIGRATIONS)


def make_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite"):
        from sqlalchemy import event

        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _rec):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def schema_version(conn: Connection) -> int:
    from sqlalchemy import inspect

    if not inspect(conn).has_table("server_meta"):
        return 0
    row = conn.execute(text("SELECT value FROM server_meta WHERE name = 'schema'")).first()
    return int(row[0]) if row else 0


def migrate(engine: Engine) -> int:
    """Bring the database to SCHEMA_VERSION, each step in its own transaction; returns the version."""
    with engine.begin() as conn:
        version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise RuntimeError(f"the server database was written by a newer harvest-server (schema {version})")
    while version < SCHEMA_VERSION:
        with engine.begin() as conn:
            MIGRATIONS[version](conn)
            conn.execute(text("DELETE FROM server_meta WHERE name = 'schema'"))
            conn.execute(text("INSERT INTO server_meta(name, value) VALUES ('schema', :v)"), {"v": str(version + 1)})
        version += 1
    return version


# -- tokens ------------------------------------------------------------------------------------------

def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(engine: Engine, name: str) -> str:
    name = name.strip()
    if not name:
        raise ValueError("a token needs a name (e.g. the device: laptop, lab-pc-3)")
    token = "hvs_" + secrets.token_urlsafe(32)
    with Session(engine) as s:
        existing = s.exec(select(Token).where(Token.name == name)).first()
        if existing is not None and existing.revoked_at is None:
            raise ValueError(f"a token named '{name}' already exists; revoke it first or pick another name")
        if existing is not None:
            s.delete(existing)
            s.flush()
        s.add(Token(name=name, token_hash=hash_token(token), created_at=now_iso()))
        s.commit()
    return token


def list_tokens(engine: Engine) -> list[Token]:
    with Session(engine) as s:
        return list(s.exec(select(Token).order_by(Token.name)).all())


def revoke_token(engine: Engine, name: str) -> bool:
    with Session(engine) as s:
        tok = s.exec(select(Token).where(Token.name == name)).first()
        if tok is None or tok.revoked_at is not None:
            return False
        tok.revoked_at = now_iso()
        s.add(tok)
        s.commit()
    return True


def token_for(session: Session, token: str) -> Token | None:
    """The live token row for a presented token (a revoked token is None at once)."""
    tok = session.exec(select(Token).where(Token.token_hash == hash_token(token))).first()
    if tok is None or tok.revoked_at is not None:
        return None
    return tok
