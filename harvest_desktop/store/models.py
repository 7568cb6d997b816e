"""Table mappings. The DDL lives in migrations.py; keep both in step."""

from __future__ import annotations

from typing import Optional

from sqlmodel import Field, SQLModel

from harvest_desktop.core.status import CANCELLED, DUPLICATE, FAILED, HARVESTING, QUEUED, READY, STATUSES  # noqa: F401


class Source(SQLModel, table=True):
    __tablename__ = "source"

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str  # "file" | "url"
    location: str  # absolute path or URL as given
    name: str
    status: str = QUEUED
    error: Optional[str] = None
    content_hash: Optional[str] = None
    title: Optional[str] = None
    author: Optional[str] = None
    site: Optional[str] = None
    published: Optional[str] = None
    license: Optional[str] = None
    final_url: Optional[str] = None
    fetched_at: Optional[str] = None
    mime: Optional[str] = None
    pages: Optional[int] = None
    char_count: Optional[int] = None
    duplicate_of: Optional[int] = None
    similar_to: Optional[int] = None
    similarity: Optional[float] = None
    similar_decision: Optional[str] = None  # "keep-both" once the person chose to keep both
    file_size: Optional[int] = None
    file_mtime: Optional[float] = None
    attempts: int = 0
    added_at: str = ""
    updated_at: str = ""


class DocumentRow(SQLModel, table=True):
    __tablename__ = "document"

    source_id: int = Field(primary_key=True, foreign_key="source.id")
    text: str
    structure_json: str  # Document.to_dict() without the block texts duplicated elsewhere


class Chunk(SQLModel, table=True):
    __tablename__ = "chunk"

    id: Optional[int] = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    ord: int
    text: str
    page: Optional[int] = None
    heading_path: str = ""  # " > "-joined
    start: int = 0
    end: int = 0
    page_end: Optional[int] = None  # last page the chunk runs onto (None: unpaged, or same as page)
    kind: str = "text"  # text | caption | sidebar | table | glossary | references | code (index/chunking.py)


class Embedding(SQLModel, table=True):
    __tablename__ = "embedding"

    chunk_id: int = Field(primary_key=True, foreign_key="chunk.id")
    model: str
    dim: int
    vector: bytes  # float32, L2-normalised


class Output(SQLModel, table=True):
    __tablename__ = "output"

    id: Optional[int] = Field(default=None, primary_key=True)
    format: str
    title: str
    engine: str
    route_reason: str = ""
    created_at: str = ""
    content_json: str = "{}"
    markdown: str = ""
    source_ids: str = "[]"


class OutputVersion(SQLModel, table=True):
    """One kept version of an output (made, edited, an item written again, restored)."""

    __tablename__ = "output_version"

    id: Optional[int] = Field(default=None, primary_key=True)
    output_id: int = Field(foreign_key="output.id")
    number: int
    title: str = ""
    engine: str = ""
    route_reason: str = ""
    created_at: str = ""
    content_json: str = "{}"
    markdown: str = ""
    note: str = ""  # how it came to be: "made", "edited by you", "item 3 written again", "restored version 1"


class IndexState(SQLModel, table=True):
    """Small key/value facts about the derived FAISS index (e.g. the token of the saved file)."""

    __tablename__ = "index_state"

    name: str = Field(primary_key=True)
    value: str



class AiCacheEntry(SQLModel, table=True):
    """A stored model answer; found again by exact request hash or by request similarity."""

    __tablename__ = "ai_cache"

    id: Optional[int] = Field(default=None, primary_key=True)
    exact_key: str
    format: str
    source_key: str  # hash of the sorted source ids
    source_fingerprint: str  # hash of those sources' content hashes: changes when a text changes
    source_ids: str = "[]"
    provider: str
    model: str
    embedding: Optional[bytes] = None  # float32, L2-normalised embedding of the request
    response: str
    tokens_in: int = 0
    tokens_out: int = 0
    created_at: str = ""
    hits: int = 0


class AiCacheSource(SQLModel, table=True):
    __tablename__ = "ai_cache_source"

    cache_id: int = Field(primary_key=True, foreign_key="ai_cache.id")
    source_id: int = Field(primary_key=True)


class AiUsage(SQLModel, table=True):
    """One line of the usage ledger: every generation attempt, cached or not."""

    __tablename__ = "ai_usage"

    id: Optional[int] = Field(default=None, primary_key=True)
    at: str
    format: str = ""
    provider: str
    model: str = ""
    route_reason: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    est_tokens_in: Optional[int] = None  # the pre-flight count, to track the estimate's error
    estimated_cost: Optional[float] = None
    actual_cost: Optional[float] = None
    latency_ms: float = 0.0
    first_token_ms: Optional[float] = None
    cached: bool = False
    outcome: str = "ok"  # ok | cached | failed | cancelled | partial | blocked
    error: str = ""
