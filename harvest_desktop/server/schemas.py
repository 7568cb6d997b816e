"""The wire format of the Harvest API v1 (pydantic models; FastAPI turns them into the OpenAPI schema).

Every model forbids unknown fields: a record carries exactly the attribution, text, structure,
chunks and analysis of a source, or the content of an output, and nothing else can be smuggled in
(API keys and provider credentials have no field here, so the server refuses them outright).
"""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

UID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceMeta(Strict):
    kind: Optional[str] = Field(default=None, max_length=16)
    location: Optional[str] = Field(default=None, max_length=8192)
    name: Optional[str] = Field(default=None, max_length=2048)
    content_hash: Optional[str] = Field(default=None, max_length=128)
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
    added_at: Optional[str] = None
    updated_at: Optional[str] = None


class ChunkIn(Strict):
    ord: int
    text: str
    page: Optional[int] = None
    page_end: Optional[int] = None
    heading_path: str = ""
    start: int = 0
    end: int = 0
    kind: str = "text"


class Analysis(Strict):
    """A source's stored analysis: its concepts, definitions and relations (its concept graph)."""

    version: int
    content_hash: str = ""
    data: dict[str, Any]


class SourcePayload(Strict):
    source: SourceMeta
    text: str
    structure: dict[str, Any] = Field(default_factory=dict)
    chunks: list[ChunkIn] = Field(default_factory=list)
    analysis: Optional[Analysis] = None


class OutputMeta(Strict):
    format: str = Field(max_length=64)
    title: str
    engine: str = Field(max_length=200)
    route_reason: str = ""
    created_at: str = ""
    content_json: str = "{}"
    markdown: str = ""


class OutputPayload(Strict):
    output: OutputMeta
    source_uids: list[str] = Field(default_factory=list)
    source_id_map: dict[str, str] = Field(default_factory=dict)


class ChangeIn(Strict):
    change_id: str = Field(min_length=8, max_length=80, description="client-made id; a change is applied once")
    kind: Literal["source", "output"]
    uid: str = Field(pattern=UID_PATTERN)
    base_version: int = Field(ge=0, description="the server version this change was made on (0: new)")
    deleted: bool = False
    payload: Optional[Union[SourcePayload, OutputPayload]] = None


class ChangeBatch(Strict):
    changes: list[ChangeIn] = Field(max_length=1000)


class RecordOut(BaseModel):
    kind: str
    uid: str
    version: int
    seq: int
    deleted: bool
    updated_at: str
    updated_by: str
    payload: Optional[dict[str, Any]] = None


class ChangeResult(BaseModel):
    change_id: str
    uid: str
    status: Literal["applied", "duplicate", "conflict"]
    version: int
    current: Optional[RecordOut] = None


class PushResult(BaseModel):
    results: list[ChangeResult]


class PullResult(BaseModel):
    changes: list[RecordOut]
    cursor: int
    more: bool


class LibraryIn(Strict):
    name: str = Field(min_length=1, max_length=500)


class LibraryOut(BaseModel):
    uid: str
    name: str
    created_at: str
    records: int = 0


class VersionOut(BaseModel):
    version: int
    deleted: bool
    created_at: str
    created_by: str
    payload: Optional[dict[str, Any]] = None


class ConceptGraphOut(BaseModel):
    source_uid: str
    title: str
    analysis: Optional[Analysis] = None


class Health(BaseModel):
    ok: bool
    api: int
    schema_version: int
    engine: str


class Me(BaseModel):
    token_name: str
