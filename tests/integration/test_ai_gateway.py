"""The gateway end to end over real servers: retries, breaker, fallback, cache, budget, ledger."""

from __future__ import annotations

import time

import keyring
import pytest

from harvest_desktop.ai import keys
from harvest_desktop.ai.cost import BudgetExceeded
from harvest_desktop.ai.gateway import AllRoutesFailed, Gateway
from harvest_desktop.ai.providers.base import GenRequest
from harvest_desktop.ai.resilience import Breakers, RetryPolicy
from harvest_desktop.core.cancel import CancelToken
from harvest_desktop.core.errors import Cancelled
from harvest_desktop.store import ai_repo
from tests.ai_helpers import fake_key, small_library, trusted_memory_keyring
from tests.ai_servers import Scripted

from harvest_desktop.index import embedder as _embedder

# The real sentence model, taken at collection time: harvesting tests swap in hash vectors later.
_REAL_EMBED_TEXTS = _embedder.embed_texts

TEXT = "An answer about bees and how they dance to show where the flowers are."


@pytest.fixture
def setup(library, tmp_path, monkeypatch, harvest_home):
    before = keyring.get_keyring()
    trusted_memory_keyring(monkeypatch)
    small_library(library, tmp_path)
    with Scripted("openai", [("ok", TEXT)]) as cloud, Scripted("ollama", [("tags", ["llama3.2:latest"])]) as ollama:
        monkeypatch.setenv("HARVEST_OPENAI_BASE_URL", cloud.url + "/v1")
        keys.set_key("openai", fake_key())
        keys.set_key("ollama", ollama.url)
        waits: list[float] = []
        gw = Gateway(library.db, monthly_budget_usd=5.0, sleep=waits.append,
                     retry=RetryPolicy(attempts=3, base_s=0.01),
                     breakers=Breakers(harvest_home / "health.json", failures_to_open=3))
        gw.waits = waits
        yield gw, cloud, ollama, library
    keyring.set_keyring(before)


def request(library, **kw):
    ids = tuple(sorted(s.id for s in library.sources.all()))
    return GenRequest("blog-post", [{"role": "user", "content": "Write about bees."}], 200, source_ids=ids,
                      query="blog post about bees", **kw)


def ledger(library):
    return [(r.provider, r.outcome) for r in ai_repo.usage_since(library.db)]


def test_retry_after_is_honoured_then_the_answer_is_cached(setup):
    gw, cloud, ollama, lib = setup
    cloud.script(("retry", 2), ("ok", TEXT))
    req = request(lib)
    plan = gw.plan(req)
    assert plan.primary.label == "openai:gpt-4o-mini" and [r.provider for r in plan.routes] == ["openai", "ollama"]
    res = gw.run(plan, req)
    assert res.text == TEXT and not res.cached and res.cost and res.cost > 0
    assert 2.0 <= gw.waits[0] <= 2.25  # the server's Retry-After, with a little jitter
    t0 = time.perf_counter()
    again = gw.run(gw.plan(request(lib)), request(lib))
    assert again.cached and again.cost == 0 and again.text == TEXT
    assert time.perf_counter() - t0 < 5  # (the benchmark measures the hit itself)
    assert len(cloud.requests) == 2
    fresh = gw.run(plan, request(lib, fresh=True))
    assert not fresh.cached and len(cloud.requests) == 3
    assert ledger(lib) == [("openai", "ok"), ("openai", "cached"), ("openai", "ok")]


def test_failures_fall_back_to_the_local_route_and_open_the_breaker(setup):
    gw, cloud, ollama, lib = setup
    cloud.script(("status", 500, "overloaded"))
    ollama.script(("tags", ["llama3.2:latest"]), ("ok", TEXT))
    req = request(lib)
    plan = gw.plan(req)
    res = gw.run(plan, req)
    assert res.route.provider == "ollama" and res.text == TEXT
    assert "fallback after openai:gpt-4o-mini" in res.reason and "server error 500" in res.reason
    assert len(cloud.requests) == 3  # three attempts with backoff
    assert not gw.breakers.allows("openai")  # opened after three failures
    ollama.script(("tags", ["llama3.2:latest"]))
    plan = gw.plan(request(lib, fresh=True))
    assert plan.primary.provider == "ollama" and any("paused" in s for s in plan.skipped)


def test_a_dropped_stream_is_never_stored_and_a_bad_key_names_the_fix(setup):
    gw, cloud, ollama, lib = setup
    cloud.script(("drop", TEXT))
    ollama.script(("status", 404, "model 'llama3.2' not found"))
    req = request(lib)
    with pytest.raises(AllRoutesFailed) as err:
        gw.run(gw.plan(req), req)
    assert "openai: the connection dropped mid-answer" in str(err.value)
    assert "ollama pull" in str(err.value)
    assert ai_repo.cache_count(lib.db) == 0
    gw.breakers.reset()
    cloud.script(("status", 401, "Incorrect API key provided"))
    plan = gw.plan(request(lib))
    plan.routes = plan.routes[:1]
    with pytest.raises(AllRoutesFailed) as err:
        gw.run(plan, request(lib))
    assert "the key was refused" in str(err.value) and "harvest keys set" in str(err.value)
    assert ai_repo.cache_count(lib.db) == 0
    outcomes = [o for _p, o in ledger(lib)]
    assert outcomes.count("failed") >= 3 and "ok" not in outcomes


def test_cancel_mid_stream_keeps_nothing(setup):
    gw, cloud, ollama, lib = setup
    cloud.script(("ok", " ".join(f"w{i}" for i in range(300))))
    token = CancelToken()
    req = request(lib)
    with pytest.raises(Cancelled):
        gw.run(gw.plan(req), req, cancel=token, on_text=lambda t: token.cancel())
    assert ai_repo.cache_count(lib.db) == 0
    assert ledger(lib) == [("openai", "cancelled")]


def test_changed_sources_are_never_served_from_the_cache(setup, tmp_path):
    gw, cloud, ollama, lib = setup
    req = request(lib)
    gw.run(gw.plan(req), req)
    assert ai_repo.cache_count(lib.db) == 1
    (tmp_path / "bees.md").write_text("# Bees\n\nBees now do something else entirely.\n", encoding="utf-8")
    queued, _ = lib.enqueue([tmp_path / "bees.md"])
    lib.harvest_sync([s.id for s in queued])
    again = gw.run(gw.plan(request(lib)), request(lib))
    assert not again.cached and len(cloud.requests) == 2
    bees = [s.id for s in lib.sources.all() if s.name == "bees.md"]
    assert gw.cache.drop_for_sources(bees) >= 1


def test_semantic_cache_answers_a_reworded_request_with_the_same_sources(setup):
    gw, cloud, ollama, lib = setup
    gw.cache.embed = lambda text: _REAL_EMBED_TEXTS([text])[0]
    req = request(lib)
    gw.run(gw.plan(req), req)
    similar = request(lib)
    similar.messages = [{"role": "user", "content": "Please write about bees."}]
    similar.query = "a blog post about bees"
    hit = gw.run(gw.plan(similar), similar)
    assert hit.cached and hit.cache_kind == "semantic" and len(cloud.requests) == 1
    other = request(lib)
    other.messages = [{"role": "user", "content": "Write about tax law."}]
    other.query = "an article on corporate tax law in France"
    assert not gw.run(gw.plan(other), other).cached


def test_budget_caps_block_before_anything_is_sent(setup):
    gw, cloud, ollama, lib = setup
    gw.monthly_budget_usd = 0.0001
    req = request(lib)
    with pytest.raises(BudgetExceeded) as err:
        gw.plan(req, engine="openai:gpt-4.1")
    assert "nothing was sent" in str(err.value) and "budget" in str(err.value)
    plan = gw.plan(req)  # auto: steered to the free local route
    assert plan.primary.provider == "ollama" and "left of this month" in " ".join(plan.skipped)
    assert cloud.requests == []
