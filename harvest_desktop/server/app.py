"""The Harvest API v1 as a FastAPI app: libraries, sources, outputs with versions, concept graphs.

Authentication: `Authorization: Bearer <device token>`; the token is looked up (by its hash) on
every request, so a revoked token is refused at once, even by a server that is running.
Every write is idempotent: each change carries a client-made `change_id` that is applied once,
and a request with an `Idempotency-Key` header gets its first answer replayed. A rate limit per
token (HTTP 429 with Retry-After) and a request size limit (HTTP 413) protect the server.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, func, select

from harvest_desktop import __version__
from harvest_desktop.server import schemas as S
from harvest_desktop.server import store
from harvest_desktop.server.store import (AppliedChange, IdempotentResponse, LibraryRow, Record, RecordVersion, Token,
                                          now_iso)

API_VERSION = 1
DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024
DEFAULT_RATE_PER_MINUTE = 600
DEFAULT_BURST = 120
PULL_PAGE_MAX = 500


@dataclass
class ServerConfig:
    db_url: str
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    rate_per_minute: float = DEFAULT_RATE_PER_MINUTE
    burst: int = DEFAULT_BURST


class RateLimiter:
    """A token bucket per device token (or per client address before authentication)."""

    def __init__(self, per_minute: float, burst: int) -> None:
        self.rate = max(0.0, per_minute) / 60.0
        self.burst = max(1, burst)
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds to wait."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate


class RateLimit:
    """ASGI middleware: the token bucket per device token (per client address before a token is shown)."""

    def __init__(self, app: Any, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope, receive, send):  # noqa: ANN001
        if scope["type"] != "http" or self.limiter.rate <= 0:
            return await self.app(scope, receive, send)
        auth = next((v for k, v in scope.get("headers", []) if k == b"authorization"), b"")
        client = scope.get("client") or ("", 0)
        key = hashlib.sha256(auth).hexdigest() if auth else f"addr:{client[0]}"
        wait = self.limiter.take(key)
        if wait <= 0:
            return await self.app(scope, receive, send)
        body = json.dumps({"detail": "too many requests for this token; slow down"}).encode()
        await send({"type": "http.response.start", "status": 429,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"retry-after", str(max(1, math.ceil(wait))).encode())]})
        await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """ASGI middleware: refuse a request body bigger than the limit (413) before it is read whole."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):  # noqa: ANN001
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                return await _too_large(self.max_bytes, send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _BodyTooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await _too_large(self.max_bytes, send)


class _BodyTooLarge(Exception):
    pass


async def _too_large(max_bytes: int, send) -> None:  # noqa: ANN001
    body = json.dumps({"detail": f"request body larger than the server's limit of {max_bytes:,} bytes"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def create_app(config: ServerConfig, *, engine: Engine | None = None,
               observe: Callable[[str, str, dict[str, str], bytes], None] | None = None) -> FastAPI:
    """The app for one database. `observe(method, path_and_query, headers, body)` sees every request
    (tests use it to check what reached the server)."""
    engine = engine or store.make_engine(config.db_url)
    schema = store.migrate(engine)
    is_sqlite = engine.dialect.name == "sqlite"
    write_lock = threading.Lock() if is_sqlite else None  # SQLite: one writer, no lock upgrades that fail
    limiter = RateLimiter(config.rate_per_minute, config.burst)

    app = FastAPI(title="Harvest API", version=f"{API_VERSION}.0 (harvest {__version__})",
                  description="Sync for Harvest libraries: sources (attribution, text, structure), generated "
                              "outputs with their versions, concept graphs. Never API keys.",
                  openapi_url="/v1/openapi.json", docs_url="/v1/docs", redoc_url=None)
    app.state.engine = engine

    if observe is not None:
        @app.middleware("http")
        async def observe_requests(request: Request, call_next):  # noqa: ANN001
            body = await request.body()
            observe(request.method, request.url.path + ("?" + request.url.query if request.url.query else ""),
                    dict(request.headers), body)
            return await call_next(request)

    app.add_middleware(BodyLimit, max_bytes=config.max_request_bytes)
    app.add_middleware(RateLimit, limiter=limiter)  # outermost: a refused request costs the least

    @contextmanager
    def writing() -> Iterator[Session]:
        if write_lock is not None:
            write_lock.acquire()
        try:
            with Session(engine, expire_on_commit=False) as s:
                yield s
        finally:
            if write_lock is not None:
                write_lock.release()

    def device(authorization: Optional[str] = Header(default=None)) -> Token:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise HTTPException(401, "a device token is needed (Authorization: Bearer ...)",
                                headers={"WWW-Authenticate": "Bearer"})
        presented = authorization[7:].strip()
        with Session(engine) as s:
            tok = s.exec(select(Token).where(Token.token_hash == store.hash_token(presented))).first()
        if tok is None:
            raise HTTPException(401, "this device token is not known to the server",
                                headers={"WWW-Authenticate": "Bearer"})
        if tok.revoked_at is not None:
            raise HTTPException(401, f"this device token ('{tok.name}') was revoked",
                                headers={"WWW-Authenticate": "Bearer"})
        return tok

    def library(s: Session, uid: str) -> LibraryRow:
        lib = s.exec(select(LibraryRow).where(LibraryRow.uid == uid)).first()
        if lib is None:
            raise HTTPException(404, f"no library '{uid}' on this server")
        return lib

    def record_out(r: Record | RecordVersion, seq: int = 0, with_payload: bool = True) -> S.RecordOut:
        return S.RecordOut(kind=r.kind, uid=r.uid, version=r.version, seq=getattr(r, "seq", seq), deleted=r.deleted,
                           updated_at=getattr(r, "updated_at", "") or getattr(r, "created_at", ""),
                           updated_by=getattr(r, "updated_by", "") or getattr(r, "created_by", ""),
                           payload=json.loads(r.payload) if (with_payload and r.payload and not r.deleted) else None)

    def replay(s: Session, tok: Token, key: str | None) -> JSONResponse | None:
        if not key:
            return None
        prev = s.get(IdempotentResponse, (tok.id, key[:200]))
        if prev is None:
            return None
        return JSONResponse(json.loads(prev.body), status_code=prev.status, headers={"Idempotent-Replayed": "true"})

    def remember(s: Session, tok: Token, key: str | None, status: int, body: Any) -> None:
        if key:
            s.add(IdempotentResponse(token_id=tok.id, key=key[:200], status=status,
                                     body=json.dumps(body), created_at=now_iso()))

    # -- routes ------------------------------------------------------------------------------------
    @app.get("/v1/health", response_model=S.Health, tags=["server"])
    def health() -> S.Health:
        return S.Health(ok=True, api=API_VERSION, schema_version=schema, engine=engine.dialect.name)

    @app.get("/v1/me", response_model=S.Me, tags=["server"])
    def me(tok: Token = Depends(device)) -> S.Me:
        return S.Me(token_name=tok.name)

    @app.get("/v1/libraries", response_model=list[S.LibraryOut], tags=["libraries"])
    def list_libraries(tok: Token = Depends(device)) -> list[S.LibraryOut]:
        with Session(engine) as s:
            libs = s.exec(select(LibraryRow).order_by(LibraryRow.id)).all()
            counts = dict(s.exec(select(Record.library_id, func.count()).where(Record.deleted == False)  # noqa: E712
                                 .group_by(Record.library_id)).all())
        return [S.LibraryOut(uid=lib.uid, name=lib.name, created_at=lib.created_at, records=counts.get(lib.id, 0))
                for lib in libs]

    @app.put("/v1/libraries/{uid}", response_model=S.LibraryOut, tags=["libraries"])
    def put_library(uid: str, body: S.LibraryIn, tok: Token = Depends(device)) -> S.LibraryOut:
        """Create the library (or return it as it is: idempotent by its uid)."""
        _check_uid(uid)
        with writing() as s:
            lib = s.exec(select(LibraryRow).where(LibraryRow.uid == uid)).first()
            if lib is None:
                lib = LibraryRow(uid=uid, name=body.name, created_at=now_iso(), created_by=tok.name)
                s.add(lib)
                try:
                    s.commit()
                except IntegrityError:  # made by a concurrent request meanwhile
                    s.rollback()
                    lib = library(s, uid)
        return S.LibraryOut(uid=lib.uid, name=lib.name, created_at=lib.created_at)

    @app.get("/v1/libraries/{uid}/changes", response_model=S.PullResult, tags=["sync"])
    def pull(uid: str, since: int = Query(0, ge=0), limit: int = Query(200, ge=1, le=PULL_PAGE_MAX),
             skip_own: bool = Query(False, description="leave out records whose latest version this token wrote"),
             tok: Token = Depends(device)) -> S.PullResult:
        """Records changed after `since` (a cursor from the previous answer), oldest first."""
        with Session(engine) as s:
            lib = library(s, uid)
            rows = s.exec(select(Record).where(Record.library_id == lib.id, Record.seq > since)
                          .order_by(col(Record.seq)).limit(limit + 1)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = rows[-1].seq if rows else since
        if skip_own:  # a device already has what it pushed itself: only the cursor moves past it
            rows = [r for r in rows if r.updated_by != tok.name]
        return S.PullResult(changes=[record_out(r) for r in rows], cursor=cursor, more=more)

    @app.post("/v1/libraries/{uid}/changes", response_model=S.PushResult, tags=["sync"])
    def push(uid: str, batch: S.ChangeBatch, tok: Token = Depends(device),
             idempotency_key: Optional[str] = Header(default=None)) -> Any:
        """Apply changes made on `base_version`; a change on an older version comes back as a conflict
        with the server's current record. The batch is one transaction: all of it or none."""
        try:
            with writing() as s:
                again = replay(s, tok, idempotency_key)
                if again is not None:
                    return again
                lib = library(s, uid)
                results = [_apply(s, lib, ch, tok) for ch in batch.changes]
                out = S.PushResult(results=results)
                remember(s, tok, idempotency_key, 200, out.model_dump(mode="json"))
                s.commit()
                return out
        except (IntegrityError, OperationalError) as exc:  # a concurrent push won a race: try again shortly
            if isinstance(exc, OperationalError) and "lock" not in str(exc).lower() and "serializ" not in str(exc).lower():
                raise
            return JSONResponse({"detail": "another device wrote the same records at the same moment; retry"},
                                status_code=503, headers={"Retry-After": "1"})

    def _apply(s: Session, lib: LibraryRow, ch: S.ChangeIn, tok: Token) -> S.ChangeResult:
        done = s.get(AppliedChange, ch.change_id)
        if done is not None:
            return S.ChangeResult(change_id=ch.change_id, uid=done.uid, status="duplicate", version=done.version)
        q = select(Record).where(Record.library_id == lib.id, Record.uid == ch.uid)
        if not is_sqlite:
            q = q.with_for_update()
        rec = s.exec(q).first()
        current = rec.version if rec is not None else 0
        if rec is not None and rec.kind != ch.kind:
            raise HTTPException(422, f"record {ch.uid} is a {rec.kind}, not a {ch.kind}")
        if ch.base_version != current:
            return S.ChangeResult(change_id=ch.change_id, uid=ch.uid, status="conflict", version=current,
                                  current=record_out(rec) if rec is not None else None)
        if not ch.deleted and ch.payload is None:
            raise HTTPException(422, f"change {ch.change_id} has neither a payload nor deleted=true")
        if not ch.deleted and isinstance(ch.payload, S.SourcePayload) != (ch.kind == "source"):
            raise HTTPException(422, f"change {ch.change_id}: the payload is not a {ch.kind}")
        if ch.deleted and (rec is None or rec.deleted):
            version = current  # deleting what is not there: nothing to do
        else:
            seq = _next_seq(s)
            payload = "" if ch.deleted else json.dumps(ch.payload.model_dump(mode="json", exclude_unset=True),
                                                       ensure_ascii=False, separators=(",", ":"))
            if rec is None:
                rec = Record(library_id=lib.id, kind=ch.kind, uid=ch.uid, version=1)
            else:
                rec.version += 1
            rec.seq, rec.deleted, rec.payload = seq, ch.deleted, payload
            rec.updated_at, rec.updated_by = now_iso(), tok.name
            s.add(rec)
            s.add(RecordVersion(library_id=lib.id, kind=ch.kind, uid=ch.uid, version=rec.version, deleted=ch.deleted,
                                payload=payload, created_at=rec.updated_at, created_by=tok.name))
            version = rec.version
        s.add(AppliedChange(change_id=ch.change_id, library_id=lib.id, uid=ch.uid, version=version,
                            created_at=now_iso()))
        s.flush()
        return S.ChangeResult(change_id=ch.change_id, uid=ch.uid, status="applied", version=version)

    def _next_seq(s: Session) -> int:
        # The counter row is locked until commit, so records become visible in seq order.
        s.exec(text("UPDATE server_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR(32)) "
                    "WHERE name = 'seq'"))
        return int(s.exec(text("SELECT value FROM server_meta WHERE name = 'seq'")).one()[0])

    def _records(uid: str, kind: str) -> list[Record]:
        with Session(engine) as s:
            lib = library(s, uid)
            return list(s.exec(select(Record).where(Record.library_id == lib.id, Record.kind == kind,
                                                    Record.deleted == False)  # noqa: E712
                               .order_by(col(Record.seq))).all())

    def _record(uid: str, kind: str, rid: str) -> Record:
        with Session(engine) as s:
            lib = library(s, uid)
            rec = s.exec(select(Record).where(Record.library_id == lib.id, Record.uid == rid,
                                              Record.kind == kind)).first()
        if rec is None or rec.deleted:
            raise HTTPException(404, f"no {kind} '{rid}' in this library")
        return rec

    @app.get("/v1/libraries/{uid}/sources", response_model=list[S.RecordOut], tags=["resources"])
    def sources(uid: str, tok: Token = Depends(device)) -> list[S.RecordOut]:
        """Every source (attribution only; fetch one for its text, structure and chunks)."""
        out = []
        for r in _records(uid, "source"):
            ro = record_out(r)
            ro.payload = {"source": (ro.payload or {}).get("source")}
            out.append(ro)
        return out

    @app.get("/v1/libraries/{uid}/sources/{rid}", response_model=S.RecordOut, tags=["resources"])
    def source(uid: str, rid: str, tok: Token = Depends(device)) -> S.RecordOut:
        return record_out(_record(uid, "source", rid))

    @app.get("/v1/libraries/{uid}/outputs", response_model=list[S.RecordOut], tags=["resources"])
    def outputs(uid: str, tok: Token = Depends(device)) -> list[S.RecordOut]:
        return [record_out(r) for r in _records(uid, "output")]

    @app.get("/v1/libraries/{uid}/outputs/{rid}", response_model=S.RecordOut, tags=["resources"])
    def output(uid: str, rid: str, tok: Token = Depends(device)) -> S.RecordOut:
        return record_out(_record(uid, "output", rid))

    @app.get("/v1/libraries/{uid}/{kind}/{rid}/versions", response_model=list[S.VersionOut], tags=["resources"])
    def versions(uid: str, kind: str, rid: str, tok: Token = Depends(device)) -> list[S.VersionOut]:
        """Every version of a source or output pushed so far, oldest first."""
        if kind not in ("sources", "outputs"):
            raise HTTPException(404, "versions are kept for sources and outputs")
        with Session(engine) as s:
            lib = library(s, uid)
            rows = s.exec(select(RecordVersion).where(RecordVersion.library_id == lib.id, RecordVersion.uid == rid,
                                                      RecordVersion.kind == kind[:-1])
                          .order_by(col(RecordVersion.version))).all()
        if not rows:
            raise HTTPException(404, f"no {kind[:-1]} '{rid}' in this library")
        return [S.VersionOut(version=v.version, deleted=v.deleted, created_at=v.created_at, created_by=v.created_by,
                             payload=json.loads(v.payload) if v.payload else None) for v in rows]

    @app.get("/v1/libraries/{uid}/concept-graphs", response_model=list[S.ConceptGraphOut], tags=["resources"])
    def concept_graphs(uid: str, tok: Token = Depends(device)) -> list[S.ConceptGraphOut]:
        """Each source's concept graph: the concepts, definitions and relations its analysis found."""
        out = []
        for r in _records(uid, "source"):
            p = json.loads(r.payload) if r.payload else {}
            meta = p.get("source") or {}
            out.append(S.ConceptGraphOut(source_uid=r.uid, title=meta.get("title") or meta.get("name") or r.uid,
                                         analysis=p.get("analysis")))
        return out

    return app


def _check_uid(uid: str) -> None:
    import re

    if not re.match(S.UID_PATTERN, uid):
        raise HTTPException(422, "a library uid is 8 to 64 letters, digits, '-' or '_'")
