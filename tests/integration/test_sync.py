"""Two libraries syncing through a real harvest-server on 127.0.0.1 (SQLite, and PostgreSQL when its
server binaries are installed): created, edited on both, deleted, revoked, server killed, retried."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import keyring
import pytest
from tests.ai_helpers import MemoryKeyring

from harvest_desktop.core.errors import FetchError, KnownError
from harvest_desktop.net import RetryPolicy
from harvest_desktop.store import models as m
from harvest_desktop.sync.client import HarvestAPI, SyncAuthError
from harvest_desktop.sync.service import SyncService
from tests.fixtures_acquire import fast_index
from tests.sync_support import (PostgresCluster, ServerProcess, make_token, open_library, private_secret_service,
                                revoke_token)

FAST_RETRY = RetryPolicy(max_retries=2, base_s=0.2, cap_s=1.0, max_wait_s=10)


@pytest.fixture(autouse=True)
def _fast_embedder(monkeypatch):
    from harvest_desktop.index import embedder

    monkeypatch.setattr(embedder, "embed_texts", fast_index.fake_embed_texts)


def trust_memory_keyring(monkeypatch) -> None:
    """Put this in-memory store on the key store allow-list, for this test only."""
    from harvest_desktop.ai import keys

    monkeypatch.setattr(keys, "TRUSTED_BACKENDS",
                        set(keys.TRUSTED_BACKENDS) | {f"{MemoryKeyring.__module__}:{MemoryKeyring.__name__}"})


@pytest.fixture
def memory_keyring(monkeypatch):
    trust_memory_keyring(monkeypatch)
    before = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(before)


_PG: dict[str, object] = {}


@pytest.fixture(scope="module")
def postgres():
    cluster = PostgresCluster()
    if not cluster.start():
        cluster.stop()
        print(f"\nPostgreSQL sync tests could NOT run: {cluster.why_not}", file=sys.stderr)
        yield None
        return
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.db'}"
    cluster = request.getfixturevalue("postgres")
    if cluster is None:
        pytest.skip("PostgreSQL server binaries are not usable here (see the line printed above); "
                    "bootstrap.py test installs Debian's postgresql package when it can")
    return cluster.new_database(f"sync_{abs(hash(str(tmp_path))) % 10**9}")


@pytest.fixture
def server(db_url):
    srv = ServerProcess(db_url, None, "--rate-limit", "0").start()
    yield srv
    srv.stop()


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


TEXT = ("# {title}\n\n{title} is a topic studied in this note. The {title} chapter explains how the {word} "
        "works, why the {word} matters for the exam, and which experiments showed it first.\n\n"
        "## Details\n\nA {word} is defined as the part of the system that changes most. Researchers measured "
        "the {word} in {n} trials and found consistent results across every trial they ran.\n")


def _harvest(lib, folder: Path, names: list[str]) -> None:
    paths = [_write(folder, f"{n}.md", TEXT.format(title=n.title(), word=n, n=len(n))) for n in names]
    lib.enqueue(paths)
    results = lib.harvest_sync()
    assert all(r.ok for r in results), [r.line() for r in results]


def _setup(lib, url: str, token: str) -> SyncService:
    svc = SyncService(lib, retry=FAST_RETRY)
    svc.setup(url, token)
    return svc


def _titles(lib) -> set[str]:
    return {s.title for s in lib.sources() if s.status == m.READY}


def test_created_on_a_appears_on_b_and_deletion_propagates(server, tmp_path, memory_keyring):
    token_a, token_b = make_token(server.db_url, "laptop"), make_token(server.db_url, "desktop")
    a, b = open_library(tmp_path / "A"), open_library(tmp_path / "B")
    try:
        _harvest(a, tmp_path / "files", ["enzyme", "glacier", "volcano"])
        out = a.generate("flashcards", source_ids=[s.id for s in a.sources()])
        sa = _setup(a, server.url, token_a)
        first = sa.sync_blocking()
        assert (first.pushed_new, first.pulled) == (4, 0), first.lines()
        sb = SyncService(b, retry=FAST_RETRY)  # the second computer joins the server's only library
        assert "'laptop'" not in sb.setup(server.url, token_b) and sb.records.get_state("library_uid")
        assert sb.records.get_state("library_uid") == sa.records.get_state("library_uid")
        got = sb.sync_blocking()
        assert got.pulled_new == 4 and not got.conflicts, got.lines()
        assert _titles(b) == {"Enzyme", "Glacier", "Volcano"}
        enz_b = next(s for s in b.sources() if s.title == "Enzyme")
        enz_a = next(s for s in a.sources() if s.title == "Enzyme")
        assert b.document(enz_b.id).text == a.document(enz_a.id).text
        assert [c.text for c in b.chunks([enz_b.id])] == [c.text for c in a.chunks([enz_a.id])]
        # The output came with its sources translated to B's ids, citations included.
        out_b = b.outputs()[0]
        assert out_b.title == out.title and out_b.markdown == out.markdown
        b_ids = {s.id for s in b.sources()}
        assert set(json.loads(out_b.source_ids)) == b_ids
        cited = {c.get("source_id") for c in _walk(json.loads(out_b.content_json)) if "source_id" in c}
        assert cited and cited <= b_ids
        # Search on B finds the pulled text (the index picked up the pulled chunks).
        hits = b.search.passages("glacier", limit=3)
        assert hits and hits[0].source_id in b_ids and "glacier" in hits[0].text.lower()
        # A deletion on B reaches A.
        b.remove(enz_b.id)
        gone = sb.sync_blocking()
        assert gone.pushed_deleted == 1, gone.lines()
        back = sa.sync_blocking()
        assert back.pulled_deleted == 1, back.lines()
        assert _titles(a) == {"Glacier", "Volcano"}
        assert a.db.integrity_check() == "ok" and b.db.integrity_check() == "ok"
        # Nothing left to move: a second round trip moves nothing.
        again = sa.sync_blocking()
        assert (again.pushed, again.pulled) == (0, 0), again.lines()
        assert sa.status().pending == 0 and sa.status().last_sync
    finally:
        a.close()
        b.close()


def _lib_uid(svc: SyncService) -> str:
    from harvest_desktop.sync.engine import SyncEngine

    return SyncEngine(svc.lib.db, None).library_uid()  # type: ignore[arg-type]


def _walk(value):
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


def _pair(server, tmp_path):
    a, b = open_library(tmp_path / "A"), open_library(tmp_path / "B")
    sa = _setup(a, server.url, make_token(server.db_url, "a"))
    sa.sync_blocking()  # the library is on the server now; B joins it
    sb = _setup(b, server.url, make_token(server.db_url, "b"))
    return a, b, sa, sb


def test_edited_on_both_keeps_the_losing_version(server, tmp_path, memory_keyring):
    a, b, sa, sb = _pair(server, tmp_path)
    try:
        shared = tmp_path / "shared"  # the same folder on both computers (a synced drive)
        _harvest(a, shared, ["mitosis"])
        sa.sync_blocking()
        sb.sync_blocking()
        # Both computers read the changed file again, each after its own edit.
        note = shared / "mitosis.md"
        note.write_text(TEXT.format(title="Mitosis", word="spindle", n=7) + "\nEdited on A.\n", encoding="utf-8")
        a.enqueue([note])
        assert all(r.ok for r in a.harvest_sync())
        note.write_text(TEXT.format(title="Mitosis", word="chromosome", n=9) + "\nEdited on B.\n", encoding="utf-8")
        b.enqueue([note])
        assert all(r.ok for r in b.harvest_sync())
        assert sa.sync_blocking().pushed_changed == 1
        report = sb.sync_blocking()
        assert len(report.conflicts) == 1 and "previous version" in report.conflicts[0], report.lines()
        src_b = b.sources()[0]
        assert "Edited on A." in b.document(src_b.id).text  # the server's (first) version is current
        kept = sb.previous_versions()
        assert len(kept) == 1 and "Edited on B." in kept[0].payload["text"]  # B's version is not lost
        assert sb.status().previous_versions == 1
        assert any("'Mitosis'" in line and "changed here and on another computer" in line
                   for line in sb.status().lines())
        # The next sync is quiet again on both sides.
        assert not sb.sync_blocking().conflicts and sa.sync_blocking().pulled == 0
    finally:
        a.close()
        b.close()


def test_revoked_token_gives_a_clear_error(server, tmp_path, memory_keyring):
    a = open_library(tmp_path / "A")
    try:
        svc = _setup(a, server.url, make_token(server.db_url, "old-laptop"))
        _harvest(a, tmp_path / "f", ["osmosis"])
        assert svc.sync_blocking().pushed_new == 1
        assert "revoked" in revoke_token(server.db_url, "old-laptop")
        _harvest(a, tmp_path / "f", ["diffusion"])
        with pytest.raises(SyncAuthError) as err:  # the running server refuses it at once
            svc.sync_blocking()
        assert "revoked" in str(err.value) and "harvest sync setup" in str(err.value)
        assert "revoked" in (svc.status().last_error or "")
        assert svc.status().pending == 1  # the new source waits for a new token
    finally:
        a.close()


def test_server_killed_mid_sync_loses_nothing(db_url, tmp_path, memory_keyring):
    srv = ServerProcess(db_url, None, "--rate-limit", "0").start()
    a, b = open_library(tmp_path / "A"), open_library(tmp_path / "B")
    try:
        sa = _setup(a, srv.url, make_token(db_url, "a"))
        names = [f"topic{i:02d}" for i in range(30)]
        _harvest(a, tmp_path / "many", names)

        def kill_after_first_batch(p):
            if p.total and 0 < p.done < p.total:
                srv.kill()

        with pytest.raises(FetchError):
            asyncio.run(sa.sync(progress=kill_after_first_batch, batch_records=7))
        assert srv.proc.poll() is not None  # it really died in the middle
        assert len(a.sources()) == 30 and a.db.integrity_check() == "ok"
        assert 0 < sa.status().pending < 30  # the first batch is confirmed, the rest waits
        srv = ServerProcess(db_url, srv.port, "--rate-limit", "0").start()  # same database, same address
        done = asyncio.run(sa.sync(batch_records=7))
        assert done.pushed_new + 7 == 30, done.lines()
        assert sa.status().pending == 0
        sb = _setup(b, srv.url, make_token(db_url, "b"))
        assert sb.sync_blocking().pulled_new == 30
        assert _titles(b) == {n.title() for n in names}
    finally:
        srv.stop()
        a.close()
        b.close()


def test_same_request_twice_applies_once(server, memory_keyring):
    token = make_token(server.db_url, "script")
    change = {"change_id": "c-test-0001", "kind": "output", "uid": "out-00000001", "base_version": 0,
              "payload": {"output": {"format": "faq", "title": "FAQ", "engine": "builtin", "markdown": "# FAQ"}}}

    async def run():
        async with HarvestAPI(server.url, token) as api:
            await api.put_library("lib-00000001", "Test")
            await api.put_library("lib-00000001", "Test")  # idempotent too
            first = await api.push("lib-00000001", [change], idempotency_key="k1")
            again = await api.push("lib-00000001", [change], idempotency_key="k2")  # a retry with a new key
            replay = await api.push("lib-00000001", [change], idempotency_key="k1")
            versions = await api.versions("lib-00000001", "outputs", "out-00000001")
            page = await api.pull("lib-00000001")
            libs = await api.libraries()
            return first, again, replay, versions, page, libs

    first, again, replay, versions, page, libs = asyncio.run(run())
    assert first["results"][0]["status"] == "applied" and first["results"][0]["version"] == 1
    assert again["results"][0]["status"] == "duplicate" and again["results"][0]["version"] == 1
    assert replay == first
    assert len(versions) == 1 and len(page["changes"]) == 1 and page["changes"][0]["version"] == 1
    assert [x["uid"] for x in libs] == ["lib-00000001"]


def test_server_down_never_blocks_and_changes_wait(tmp_path, memory_keyring):
    from tests.sync_support import free_port

    a = open_library(tmp_path / "A")
    try:
        svc = SyncService(a, retry=FAST_RETRY)
        url = f"http://127.0.0.1:{free_port()}"  # nothing listens here
        svc.records.set_state(server_url=url, keyring_user="k1")
        from harvest_desktop.sync import credentials

        credentials.save_token(url, "hvs_not-used", "k1")
        _harvest(a, tmp_path / "f", ["offline"])
        with pytest.raises(FetchError) as err:
            svc.sync_blocking()
        assert "127.0.0.1" in str(err.value)
        st = svc.status()
        assert st.pending == 1 and st.last_error and st.last_sync is None
        assert _titles(a) == {"Offline"}  # the library is untouched and usable
    finally:
        a.close()


def test_server_limits_and_schema(tmp_path):
    db = f"sqlite:///{tmp_path / 's.db'}"
    token = make_token(db, "t")
    # 3 a minute: no token comes back during the checks below, however slow the machine is
    srv = ServerProcess(db, None, "--rate-limit", "3", "--burst", "5", "--max-request-mb", "0.01").start()
    try:
        import httpx

        h = {"Authorization": f"Bearer {token}"}
        schema = httpx.get(srv.url + "/v1/openapi.json").json()
        assert "/v1/libraries/{uid}/changes" in schema["paths"] and schema["info"]["title"] == "Harvest API"
        assert httpx.get(srv.url + "/v1/me").status_code == 401
        big = {"changes": [{"change_id": "c-big-0001", "kind": "output", "uid": "out-big-001", "base_version": 0,
                            "payload": {"output": {"format": "faq", "title": "x" * 20000, "engine": "b"}}}]}
        r = httpx.post(srv.url + "/v1/libraries/lib-0000001/changes", json=big, headers=h)
        assert r.status_code == 413 and "limit" in r.json()["detail"]
        smuggled = {"changes": [{"change_id": "c-key-0001", "kind": "output", "uid": "out-key-001", "base_version": 0,
                                 "payload": {"output": {"format": "faq", "title": "t", "engine": "b"},
                                             "api_key": "sk-x"}}]}
        assert httpx.put(srv.url + "/v1/libraries/lib-0000001", json={"name": "n"}, headers=h).status_code == 200
        r = httpx.post(srv.url + "/v1/libraries/lib-0000001/changes", json=smuggled, headers=h)
        assert r.status_code == 422  # unknown fields are refused, not stored
        codes = [httpx.get(srv.url + "/v1/me", headers=h).status_code for _ in range(10)]
        assert 429 in codes
        limited = httpx.get(srv.url + "/v1/me", headers=h)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    finally:
        srv.stop()


def test_no_provider_key_leaves_the_machine(tmp_path, monkeypatch):
    """A fake provider key in a real key store; every request the server receives is inspected."""
    import threading

    import uvicorn

    from harvest_desktop.ai import keys
    from harvest_desktop.server.app import ServerConfig, create_app
    from harvest_desktop.server.store import create_token, make_engine, migrate
    from tests.sync_support import free_port

    fake_key = "sk-FAKEKEY-" + "7" * 40
    seen: list[tuple[str, str, dict, bytes]] = []
    before = keyring.get_keyring()
    with private_secret_service(tmp_path / "keyring") as env:
        saved = {k: os.environ.get(k) for k in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR")}
        if env is None:
            print("\nno GNOME Keyring here (packages dbus, gnome-keyring): the key sits in an in-memory store",
                  file=sys.stderr)
            trust_memory_keyring(monkeypatch)
            keyring.set_keyring(MemoryKeyring())
        else:
            from keyring.backends import SecretService

            os.environ.update({k: env[k] for k in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR")})
            keyring.set_keyring(SecretService.Keyring())
        try:
            assert keys.secure_backend()[0]
            for _ in range(100):  # a keyring daemon just started may need a moment to take its first secret
                try:
                    keys.set_key("openai", fake_key)
                    break
                except KnownError:
                    time.sleep(0.1)
            keys.set_key("anthropic", fake_key + "-ant")
            assert keys.get_key("openai") == fake_key
            engine = make_engine(f"sqlite:///{tmp_path / 'srv.db'}")
            migrate(engine)
            token = create_token(engine, "laptop")
            app = create_app(ServerConfig(db_url=""), engine=engine,
                             observe=lambda *req: seen.append(req))
            port = free_port()
            server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            while not server.started:
                thread.join(0.05)
            a = open_library(tmp_path / "A")
            try:
                _harvest(a, tmp_path / "f", ["photosynthesis", "respiration"])
                a.generate("flashcards")
                svc = _setup(a, f"http://127.0.0.1:{port}", token)
                report = svc.sync_blocking()
                assert report.pushed_new == 3
            finally:
                a.close()
                server.should_exit = True
                thread.join(10)
        finally:
            keyring.set_keyring(before)
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    assert seen, "the server saw no request"
    posted = sum(len(body) for _, _, _, body in seen)
    assert posted > 1000  # the library's text did travel ...
    for method, path, headers, body in seen:  # ... and no key did, in any part of any request
        blob = (method + path + json.dumps(headers) + body.decode("utf-8", "replace"))
        assert "FAKEKEY" not in blob and fake_key not in blob
        assert headers.get("authorization", "").startswith("Bearer hvs_")


def readme_sync_lines() -> list[list[str]]:
    """The `harvest` / `harvest-server` lines of the README's sync section, in order."""
    import shlex

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = text.split("## Sync with a Harvest server", 1)[1].split("\n## ", 1)[0]
    return [shlex.split(ln, comments=True) for ln in section.splitlines() if ln.startswith("    harvest")]


def test_readme_sync_commands_through_the_real_processes(tmp_path):
    """`harvest-server ... token create`, the server, `harvest sync setup URL` (token on stdin),
    `harvest sync`, `harvest sync status`, `token list`, `token revoke`: as the README gives them."""
    import httpx

    from tests.sync_support import free_port

    lines = readme_sync_lines()
    assert [ln[:3] for ln in lines if ln[0] == "harvest"] == [["harvest", "sync", "setup"], ["harvest", "sync"],
                                                            ["harvest", "sync", "status"]]
    work = tmp_path / "work"
    work.mkdir()
    port = free_port()
    repo = str(Path(__file__).resolve().parents[2])
    note = _write(work, "cells.md", TEXT.format(title="Cells", word="membrane", n=3))
    with private_secret_service(tmp_path / "keyring") as env:
        assert env is not None, "this test needs the packages dbus and gnome-keyring (bootstrap.py test installs them)"
        base = {**os.environ, **env, "HARVEST_HOME": str(tmp_path / "home"), "PYTHONPATH": repo}
        token = None
        server = None
        status_before = subprocess.run([sys.executable, "-m", "harvest_desktop.cli", "sync", "status"], env=base,
                                       cwd=work, capture_output=True, text=True, timeout=300)
        assert status_before.returncode == 0 and "not set up" in status_before.stdout
        try:
            for argv in lines:
                argv = [a.replace("8765", str(port)) for a in argv]
                if argv[0] == "harvest-server" and "token" not in argv:  # the server: runs until stopped
                    server = subprocess.Popen([sys.executable, "-m", "harvest_desktop.server", *argv[1:]], env=base,
                                              cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                    for _ in range(600):
                        try:
                            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                                break
                        except httpx.HTTPError:
                            time.sleep(0.1)
                    continue
                module = "harvest_desktop.server" if argv[0] == "harvest-server" else "harvest_desktop.cli"
                stdin = token + "\n" if argv[1:3] == ["sync", "setup"] else None
                if argv[1:] == ["sync"]:
                    assert subprocess.run([sys.executable, "-m", "harvest_desktop.cli", "add", str(note)], env=base,
                                          cwd=work, capture_output=True, timeout=300).returncode == 0
                res = subprocess.run([sys.executable, "-m", module, *argv[1:]], env=base, cwd=work, input=stdin,
                                     capture_output=True, text=True, timeout=300)
                assert res.returncode == 0, f"{argv} -> {res.returncode}\n{res.stdout}\n{res.stderr}"
                out = res.stdout
                if argv[-2:] == ["create", "laptop"]:
                    token = out.strip().splitlines()[-1]
                    assert token.startswith("hvs_")
                elif argv[1:3] == ["sync", "setup"]:
                    assert "key store" in out and token not in out + res.stderr
                    db_bytes = (tmp_path / "home" / "library.sqlite3").read_bytes()
                    assert token.encode() not in db_bytes  # the token is in the keyring only
                elif argv[1:] == ["sync"]:
                    assert "sent 1: 1 new" in out and "received 0" in out
                elif argv[1:] == ["sync", "status"]:
                    assert f"server: http://127.0.0.1:{port}" in out and "waiting to be sent: 0" in out
                    assert "last sync: never" not in out
                elif argv[-1] == "list":
                    assert "laptop" in out and "active" in out and token not in out
                elif argv[-2:] == ["revoke", "laptop"]:
                    assert "revoked" in out
            refused = subprocess.run([sys.executable, "-m", "harvest_desktop.cli", "sync"], env=base, cwd=work,
                                     capture_output=True, text=True, timeout=300)
            assert refused.returncode == 1 and "revoked" in refused.stderr and "Traceback" not in refused.stderr
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
                server.stdout.close()
