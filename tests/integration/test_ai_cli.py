"""The whole app with a well-formed fake key: set, test, route, generate, export, usage, a crash
report; then the data folder, logs and exports are searched for the key. Zero hits."""

from __future__ import annotations

import io
import json
import sys

import keyring
import pytest

from harvest_desktop.cli import main
from tests.ai_helpers import ANTS, BEES, article_json, fake_key, trusted_memory_keyring
from tests.ai_servers import Scripted


@pytest.fixture
def app_env(monkeypatch, tmp_path):
    from tests.fixtures_acquire import fast_index

    fast_index.install()
    before = keyring.get_keyring()
    store = trusted_memory_keyring(monkeypatch)
    # The semantic cache's sentence model is exercised elsewhere; here exact hits are enough.
    from harvest_desktop.services import routing as compose

    monkeypatch.setattr(compose, "semantic_embedder", lambda: None)
    (tmp_path / "bees.md").write_text(BEES, encoding="utf-8")
    (tmp_path / "ants.md").write_text(ANTS, encoding="utf-8")
    yield store
    keyring.set_keyring(before)


def run(capsys, *argv, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_whole_run_with_a_fake_key_leaves_no_trace_of_it(app_env, capsys, monkeypatch, tmp_path, harvest_home):
    key = fake_key()
    with Scripted("openai", [("ok", "OK")]) as srv:
        monkeypatch.setenv("HARVEST_OPENAI_BASE_URL", srv.url + "/v1")
        code, out, _ = run(capsys, "add", str(tmp_path / "bees.md"), str(tmp_path / "ants.md"))
        assert code == 0, out

        code, out, err = run(capsys, "keys", "set", "openai", stdin=key + "\n", monkeypatch=monkeypatch)
        assert code == 0 and "••••" + key[-4:] in out and key not in out + err
        code, out, _ = run(capsys, "keys", "list")
        assert "openai\t••••" + key[-4:] in out and "anthropic\tnot set" in out and key not in out

        code, out, _ = run(capsys, "keys", "test", "openai")
        assert code == 0 and out.strip().startswith("openai: valid")
        assert srv.requests[-1]["body"]["max_tokens"] == 1  # the cheapest real call
        assert srv.requests[-1]["headers"].get("Authorization", srv.requests[-1]["headers"].get(
            "authorization")) == f"Bearer {key}"

        code, out, _ = run(capsys, "route", "blog-post")
        assert code == 0 and "route: openai:gpt-4o-mini" in out and "reason: balanced preference" in out
        assert "estimate:" in out and "at most $" in out
        assert len(srv.requests) == 1  # routing sent nothing

        srv.script(("ok", article_json()))
        post = tmp_path / "post.md"
        code, out, err = run(capsys, "generate", "blog-post", "--engine", "openai", "-o", str(post))
        assert code == 0, err
        text = post.read_text(encoding="utf-8")
        assert "How bees talk" in text and "waggle" not in text.split("How bees talk")[0]
        assert "Bees" in text and "Ants" in text  # the cited sources are listed
        assert "route: openai:gpt-4o-mini" in out

        code, out, err = run(capsys, "generate", "blog-post", "--engine", "openai", "-o", str(post), "--force")
        assert code == 0 and "cached answer, no cost" in out, out + err
        assert len(srv.requests) == 2  # the second one came from the cache

        srv.script(("status", 401, "Incorrect API key provided: " + key[:8] + "****"))
        code, out, _ = run(capsys, "keys", "test", "openai")
        assert code == 1 and "openai: invalid key" in out

        csv_path = tmp_path / "usage.csv"
        code, out, _ = run(capsys, "usage", "--csv", str(csv_path))
        assert code == 0 and "openai:gpt-4o-mini\tok" in out and "cached" in out and csv_path.exists()
        assert "1 cached (50%)" in out

        (tmp_path / "exports").mkdir()
        code, out, err = run(capsys, "export", "--all", "-o", str(tmp_path / "exports"), "--as", "md,json,pdf")
        assert code == 0, out + err

    # A crash while the key is in play: the report must not carry it either.
    from harvest_desktop.core import crash

    try:
        raise RuntimeError(f"boom with Authorization: Bearer {key}")
    except RuntimeError:
        crash.handle_exception(*sys.exc_info())
    capsys.readouterr()

    code, out, _ = run(capsys, "keys", "remove", "openai")
    assert code == 0 and app_env.store == {}

    hits = []
    for root in (harvest_home, tmp_path):
        for path in root.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                if key.encode() in data or key[8:].encode() in data:
                    hits.append(str(path))
    assert list(harvest_home.rglob("crash-*.log")), "the crash report was written"
    assert list((tmp_path / "exports").rglob("*.pdf"))
    assert hits == []


def test_keys_set_never_takes_the_key_from_the_command_line(app_env, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["keys", "set", "openai", fake_key()])
    assert exit_.value.code == 2
    assert app_env.store == {}


def test_endpoint_commands(app_env, capsys, monkeypatch):
    code, out, _ = run(capsys, "keys", "add-endpoint", "llamacpp", "--base-url", "http://127.0.0.1:8080/v1",
                       "--model", "smollm2")
    assert code == 0 and "on this computer" in out and "--engine llamacpp" in out
    code, out, _ = run(capsys, "keys", "list")
    assert "llamacpp\tnot set\thttp://127.0.0.1:8080/v1 model smollm2" in out
    code, out, _ = run(capsys, "keys", "set", "llamacpp", stdin=fake_key("sk-local-") + "\n", monkeypatch=monkeypatch)
    assert code == 0 and app_env.store[("harvest-desktop", "endpoint:llamacpp")].startswith("sk-local-")
    code, out, _ = run(capsys, "keys", "remove", "llamacpp", "--endpoint")
    assert code == 0 and app_env.store == {}
    code, out, err = run(capsys, "keys", "test", "nope")
    assert code == 1 and "unknown provider 'nope'" in err


def test_usage_rejects_a_bad_date(app_env, capsys):
    code, _, err = run(capsys, "usage", "--since", "yesterday")
    assert code == 2 and "not a date" in err
