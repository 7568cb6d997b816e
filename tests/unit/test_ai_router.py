"""The router's decision table and the policy file's validation."""

from __future__ import annotations

import json

import pytest

from harvest_desktop.ai import keys
from harvest_desktop.ai.cost import Budget, BudgetExceeded, Estimate
from harvest_desktop.ai.policy import DEFAULT_POLICY, Policy, load_policy
from harvest_desktop.ai.providers.base import FREE, Price
from harvest_desktop.ai.router import Availability, Router, parse_engine
from harvest_desktop.core.errors import KnownError, NeedsModel

PRICES = {"gpt-4o-mini": Price(1.5e-7, 6e-7), "gpt-4.1-mini": Price(4e-7, 1.6e-6), "gpt-4.1": Price(2e-6, 8e-6),
          "claude-haiku-4-5": Price(1e-6, 5e-6), "claude-opus-4-5": Price(5e-6, 2.5e-5)}


def estimator(tokens_in=2000, out=1200):
    def est(route):
        if route.kind in ("builtin", "ollama") or route.local:
            return Estimate(tokens_in, out, FREE)
        return Estimate(tokens_in, out, PRICES.get(route.model))
    return est


def router(av, budget=Budget(5.0, 0.0, 0.5), tokens=2000, policy=None):
    return Router(policy or Policy(json.loads(json.dumps(DEFAULT_POLICY))), av, budget, estimator(tokens))


def av(**kw):
    base = dict(cloud_keys={"openai", "anthropic"}, endpoints=[], ollama_url="http://127.0.0.1:11434",
                ollama_running=True, ollama_models=["llama3.2:latest"])
    base.update(kw)
    return Availability(**base)


def test_low_complexity_balanced_takes_the_cheapest_capable_model_and_falls_back_locally():
    plan = router(av()).plan("blog-post", prefer="balanced", input_tokens=2000)
    assert plan.primary.label == "openai:gpt-4o-mini"
    assert [r.provider for r in plan.routes] == ["openai", "anthropic", "ollama"]
    assert "balanced preference, low complexity" in plan.reason and "cheapest" in plan.reason
    assert "\n" not in plan.line() and "$" in plan.line()


def test_quality_and_high_complexity_take_a_top_model():
    assert router(av()).plan("blog-post", prefer="quality").primary.model == "gpt-4.1"
    plan = router(av()).plan("blog-post", prefer="balanced", input_tokens=40_000)
    assert plan.primary.model == "gpt-4.1" and "high complexity" in plan.reason
    assert router(av()).plan("video-script", prefer="cost").primary.model == "gpt-4.1-mini"


def test_local_and_offline_never_choose_the_cloud():
    for prefer in ("local", "offline"):
        plan = router(av()).plan("blog-post", prefer=prefer)
        assert all(r.kind in ("ollama", "endpoint", "builtin") for r in plan.routes)
        assert plan.primary.provider == "ollama"
    plan = router(av(ollama_running=False)).plan("study-guide", prefer="offline", has_builtin=True)
    assert plan.primary.kind == "builtin" and "Ollama is not running" in plan.reason
    with pytest.raises(NeedsModel, match="needs a model on this computer"):
        router(av(ollama_running=False)).plan("blog-post", prefer="offline")


def test_budget_left_and_per_generation_cap_steer_and_block():
    tight = Budget(5.0, 4.9999, 0.5)  # less than the cheapest estimate left
    plan = router(av(), tight).plan("blog-post")
    assert plan.primary.provider == "ollama" and "left of this month" in plan.reason
    with pytest.raises(BudgetExceeded, match="over the cap of \\$0.01 per generation"):
        router(av(), Budget(5.0, 0.0, 0.01)).plan("blog-post", engine="openai:gpt-4.1")


def test_open_breaker_skips_the_provider():
    plan = router(av(open_breakers={"openai"})).plan("blog-post")
    assert plan.primary.provider == "anthropic"
    assert any("paused" in s for s in plan.skipped)


def test_unknown_price_is_said_not_guessed():
    plan = router(av(cloud_keys={"openai"})).plan("blog-post", engine="openai:some-new-model")
    assert plan.primary.estimate.cost is None and "price unknown" in plan.line()


def test_explicit_engines_are_checked():
    assert parse_engine("ollama:llama3.2:latest") == ("ollama", "llama3.2:latest")
    with pytest.raises(KnownError, match="no gemini key is set"):
        router(av()).plan("blog-post", engine="gemini")
    with pytest.raises(KnownError, match="Ollama is not running"):
        router(av(ollama_running=False)).plan("blog-post", engine="ollama")
    with pytest.raises(KnownError, match="unknown engine 'nope'"):
        router(av()).plan("blog-post", engine="nope")
    ep = keys.Endpoint("llamacpp", "http://127.0.0.1:8080/v1", "smollm2")
    plan = router(av(endpoints=[ep])).plan("blog-post", engine="llamacpp")
    assert plan.primary.label == "llamacpp:smollm2" and plan.primary.local


def test_no_route_at_all_says_what_to_do():
    with pytest.raises(NeedsModel, match="add an API key"):
        router(av(cloud_keys=set(), ollama_running=False)).plan("blog-post")


def test_policy_file_is_written_with_defaults_and_validated(harvest_home):
    policy = load_policy()
    assert policy.path.exists() and policy.model("openai", "cheap") == "gpt-4o-mini"
    raw = json.loads(policy.path.read_text())
    raw["tier_for"]["balanced"]["low"] = "cheapest"
    policy.path.write_text(json.dumps(raw))
    with pytest.raises(KnownError) as err:
        load_policy()
    assert "tier_for.balanced.low" in str(err.value) and "cheap, mid, top" in str(err.value)
    policy.path.write_text("{not json")
    with pytest.raises(KnownError, match="not valid JSON"):
        load_policy()
    raw = json.loads(json.dumps(DEFAULT_POLICY))
    raw["models"]["openai"]["cheap"] = "gpt-4.1-nano"
    raw["cloud_order"] = ["anthropic", "openai"]
    policy.path.write_text(json.dumps(raw))
    edited = load_policy()
    plan = router(av(), policy=edited).plan("blog-post")
    assert plan.primary.label == "anthropic:claude-haiku-4-5"


def test_an_upper_bound_is_shown_but_the_caps_hold_the_run_with_each_call_once():
    from harvest_desktop.ai.cost import Estimate
    from harvest_desktop.ai.providers.base import Price

    price = Price(1e-6, 4e-6)
    est = Estimate(300_000, 60_000, price, 100_000, 20_000)  # with every repair and rewrite / each call once
    assert round(est.cost, 4) == 0.54 and round(est.once_cost, 4) == 0.18
    assert Budget(5.0, 0.0, 0.5).refusal(est) is None  # $0.18 as planned fits the $0.50 cap
    assert "with each call once is over the cap" in Budget(5.0, 0.0, 0.1).refusal(est)
    assert est.describe().endswith("at most $0.54 (upper bound: every repair and rewrite needed; $0.18 with "
                                   "each call once)")
    assert Estimate(1000, 100, price).describe().endswith("at most $0.0014")  # no upper bound added: as before
