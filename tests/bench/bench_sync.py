"""Sync figures: a library of 1,000 sources synced through a real harvest-server on 127.0.0.1 (first
sync, then a sync with 10 changes), and the requests per second one server process sustains on
SQLite and on PostgreSQL (a throwaway cluster when its binaries are installed).

Run: pytest tests/bench/bench_sync.py -s   (prints figures; asserts nothing about time)
     python tests/bench/bench_sync.py
The sources are written straight through the store repositories (no harvesting), each a ~3 KB
note in 3 chunks with its document structure. The machine's two cores are shared with other jobs,
and client and server run on the same machine: compare the figures of one run, not runs.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.sync_support import PostgresCluster, ServerProcess, make_token, open_library  # noqa: E402

pytestmark = pytest.mark.bench
N_SOURCES = 1000
N_CHANGED = 10
RPS_REQUESTS = 1500
RPS_PARALLEL = 8

WORDS = ("cell membrane protein enzyme reaction energy light water carbon glucose oxygen structure function "
         "gradient transport signal receptor pathway gene expression").split()


def _text(i: int, edit: str = "") -> str:
    paras = []
    for p in range(6):
        words = [WORDS[(i * 7 + p * 3 + k) % len(WORDS)] for k in range(80)]
        paras.append(f"Note {i} part {p}: " + " ".join(words) + ".")
    return "\n\n".join(paras) + edit


def _fill(lib, n: int) -> list[int]:
    """n ready sources through the repositories: source row, document, chunks, as a harvest leaves them."""
    from harvest_desktop.services.sources import content_hash, now_iso
    from harvest_desktop.store.repositories import SourceRepository

    repo = SourceRepository(lib.db)
    now = now_iso()
    found = [("file", f"/bench/notes/note{i:04d}.md", f"note{i:04d}.md") for i in range(n)]
    queued, *_ = repo.enqueue(found, now, lambda src, loc: False)
    ids = [s.id for s in queued]
    for i, sid in enumerate(ids):
        _store(repo, sid, i, "")
        repo.mark_ready(sid, None, None, now)
    return ids


def _store(repo, sid: int, i: int, edit: str) -> None:
    from harvest_desktop.services.sources import content_hash, now_iso

    text = _text(i, edit)
    paras = text.split("\n\n")
    chunks = [SimpleNamespace(ord=k, text="\n\n".join(paras[k * 2:k * 2 + 2]), page=None, page_end=None,
                              heading_path=[f"Note {i}"], start=0, end=0, kind="text") for k in range(3)]
    structure = {"title": f"Note {i}", "blocks": [{"kind": "paragraph", "text": p} for p in paras]}

    def apply(src):
        src.title = f"Note {i}"
        src.char_count = len(text)

    repo.store_document(sid, content_hash(text), structure, text, chunks, apply, now_iso())


def _sync_figures(db_url: str, tmp: Path) -> list[str]:
    from harvest_desktop.store.repositories import SourceRepository
    from harvest_desktop.sync.service import SyncService

    srv = ServerProcess(db_url, None, "--rate-limit", "0").start()
    a, b = open_library(tmp / "A"), open_library(tmp / "B")
    rows = []
    try:
        ids = _fill(a, N_SOURCES)
        sa, sb = SyncService(a), SyncService(b)
        sa.setup(srv.url, make_token(db_url, "a"))
        sa.records.set_state(library_uid=_lib_uid(sa))
        sb.setup(srv.url, make_token(db_url, "b"), check=False)
        sb.records.set_state(library_uid=_lib_uid(sa))

        def timed(svc, label):
            t = time.perf_counter()
            rep = svc.sync_blocking()
            dt = time.perf_counter() - t
            rows.append(f"  {label:<44} {dt:7.2f} s   sent {rep.pushed:5d}  received {rep.pulled:5d}  "
                        f"requests {rep.requests}")
            return rep

        first = timed(sa, f"first sync, A sends {N_SOURCES} sources")
        assert first.pushed == N_SOURCES
        got = timed(sb, f"first sync, B receives {N_SOURCES} sources")
        assert got.pulled == N_SOURCES
        repo = SourceRepository(a.db)
        for k, sid in enumerate(ids[:N_CHANGED]):
            _store(repo, sid, k, f"\n\nEdited {k}.")
        changed = timed(sa, f"A sends {N_CHANGED} changed sources")
        assert changed.pushed == N_CHANGED
        got = timed(sb, f"B receives {N_CHANGED} changed sources")
        assert got.pulled == N_CHANGED
        timed(sa, "nothing changed (a quiet sync)")
        size = (tmp / "A" / "library.sqlite3").stat().st_size
        rows.append(f"  (library A on disk: {size / 1e6:.1f} MB incl. text, chunks and sync bookkeeping)")
    finally:
        a.close()
        b.close()
        srv.stop()
    return rows


def _lib_uid(svc) -> str:
    from harvest_desktop.sync.engine import SyncEngine

    return SyncEngine(svc.lib.db, None).library_uid()  # type: ignore[arg-type]


async def _rps(url: str, token: str) -> list[str]:
    from harvest_desktop import net
    from harvest_desktop.sync.client import HarvestAPI

    rows = []
    async with HarvestAPI(url, token) as api:
        await api.put_library("bench-library-0001", "bench")
        client = net.make_async_client("sync", allow_hosts=[url], headers={"Authorization": f"Bearer {token}"},
                                       max_connections=RPS_PARALLEL)
        try:
            sem = asyncio.Semaphore(RPS_PARALLEL)

            async def read(i: int) -> None:
                async with sem:
                    r = await client.get(f"{url}/v1/libraries/bench-library-0001/changes",
                                         params={"since": 10**9})
                    assert r.status_code == 200, r.text

            async def write(i: int) -> None:
                body = {"changes": [{"change_id": f"c-bench-{i:08d}", "kind": "output", "uid": f"out-bench-{i:08d}",
                                     "base_version": 0,
                                     "payload": {"output": {"format": "faq", "title": f"FAQ {i}", "engine": "builtin",
                                                            "markdown": "# FAQ\n\nQ? A." * 20}}}]}
                async with sem:
                    r = await client.post(f"{url}/v1/libraries/bench-library-0001/changes", json=body)
                    assert r.status_code == 200 and r.json()["results"][0]["status"] == "applied", r.text

            for label, fn in (("reads  (pull, nothing new)", read), ("writes (push one output)", write)):
                await asyncio.gather(*(fn(i) for i in range(50)))  # warm-up (and first connections)
                t = time.perf_counter()
                await asyncio.gather(*(fn(i + 100) for i in range(RPS_REQUESTS)))
                dt = time.perf_counter() - t
                rows.append(f"    {label:<28} {RPS_REQUESTS / dt:7.0f} requests/s  "
                            f"({RPS_REQUESTS} requests, {RPS_PARALLEL} in flight, {dt:.1f} s)")
        finally:
            await client.aclose()
    return rows


def _rps_figures(db_url: str, label: str) -> list[str]:
    token = make_token(db_url, "bench")
    srv = ServerProcess(db_url, None, "--rate-limit", "0").start()
    try:
        return [f"  {label}:"] + asyncio.run(_rps(srv.url, token))
    finally:
        srv.stop()


BARE_APP = ("import fastapi, sys, uvicorn\napp = fastapi.FastAPI()\n@app.get('/')\ndef root():\n    return {}\n"
            "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[1]), log_level='warning', access_log=False)\n")


def _bare_baseline() -> list[str]:
    """The same client against a bare FastAPI app on the same machine: what this machine allows now."""
    import subprocess

    import httpx

    from tests.sync_support import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", BARE_APP, str(port)])
    try:
        for _ in range(600):
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)

        async def go() -> float:
            async with httpx.AsyncClient(limits=httpx.Limits(max_connections=RPS_PARALLEL)) as c:
                sem = asyncio.Semaphore(RPS_PARALLEL)

                async def one() -> None:
                    async with sem:
                        assert (await c.get(f"http://127.0.0.1:{port}/")).status_code == 200

                await asyncio.gather(*(one() for _ in range(50)))
                t = time.perf_counter()
                await asyncio.gather(*(one() for _ in range(RPS_REQUESTS)))
                return RPS_REQUESTS / (time.perf_counter() - t)

        return [f"  baseline: a bare FastAPI app returning {{}} on this machine now: {asyncio.run(go()):.0f} requests/s"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run_all() -> None:
    out = [f"sync benchmark (2 shared CPU cores, client and one uvicorn server process on the same machine, "
           f"127.0.0.1; other jobs were running)"]
    with tempfile.TemporaryDirectory(prefix="harvest-bench-sync-") as d:
        tmp = Path(d)
        os.environ.setdefault("HARVEST_HOME", str(tmp / "home"))
        import keyring

        from harvest_desktop.ai import keys
        from tests.integration.test_sync import MemoryKeyring

        keys.TRUSTED_BACKENDS = set(keys.TRUSTED_BACKENDS) | {f"{MemoryKeyring.__module__}:{MemoryKeyring.__name__}"}
        keyring.set_keyring(MemoryKeyring())
        from harvest_desktop.index import embedder
        from tests.fixtures_acquire import fast_index

        embedder.embed_texts = fast_index.fake_embed_texts  # B's index picks up pulled chunks; no model needed
        out.append(f"1,000-source library, SQLite server:")
        out += _sync_figures(f"sqlite:///{tmp / 'sync.db'}", tmp / "s")
        out.append("requests per second, one server process:")
        out += _bare_baseline()
        out += _rps_figures(f"sqlite:///{tmp / 'rps.db'}", "SQLite")
        cluster = PostgresCluster()
        try:
            if cluster.start():
                out += _rps_figures(cluster.new_database("rps"), "PostgreSQL")
                out.append("1,000-source library, PostgreSQL server:")
                out += _sync_figures(cluster.new_database("sync"), tmp / "p")
            else:
                out.append(f"  PostgreSQL: NOT measured: {cluster.why_not}")
        finally:
            cluster.stop()
    print("\n".join(out), flush=True)


def test_sync_benchmark():
    run_all()


if __name__ == "__main__":
    run_all()
