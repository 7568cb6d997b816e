"""Model-written formats: tokens and cost per format (from the pre-flight estimates), time to the
first streamed token, and, when a real local model runs here, the grounding pass share per format.

Run: .venv/bin/python -m pytest tests/bench/bench_generative.py -s
Estimates: every call a run makes (each part of the map step, the reduce step; a part is sized to
the model's context from litellm's model map, at most 24k tokens of passages), the real litellm
tokenizer and price map, maximum output as the format asks for it (so cost is an upper bound).
A "page" is 2,800 characters of the ecology textbook text the study tests use (about 450 words),
a chapter every 10 pages. The machine's 2 cores were shared with other engineers' jobs.
"""

from __future__ import annotations

import os
import time

import keyring
import pytest

from harvest_desktop.formats.generative import KEYS, format_for
from harvest_desktop.formats.generative.base import GenOptions, material
from harvest_desktop.understand.passages import Passage

pytestmark = pytest.mark.bench

PAGE_CHARS = 2800
MODELS = [("cheap", "openai", "gpt-4o-mini"), ("cheap", "anthropic", "claude-haiku-4-5"),
          ("top", "openai", "gpt-4.1"), ("top", "anthropic", "claude-opus-4-5")]


def book(pages: int) -> list[Passage]:
    """Passages of about 900 characters, a chapter every 10 pages, pages numbered."""
    from tests import study_texts

    paras = [p.strip() for p in study_texts.markdown().split("\n\n") if len(p.strip()) > 200 and not p.startswith("#")]
    out, text, n, i = [], "", 0, 0
    total = pages * PAGE_CHARS
    while sum(len(p.text) for p in out) < total:
        text += paras[i % len(paras)] + " "
        i += 1
        if len(text) >= 900:
            page = 1 + sum(len(p.text) for p in out) // PAGE_CHARS
            chapter = f"Chapter {1 + (page - 1) // 10}"
            out.append(Passage(n + 1, 1, "Foundations of Ecology", page, f"{chapter} > Section {page}", text.strip()))
            n += 1
            text = ""
    return out


def price(provider: str, model: str):
    from harvest_desktop.ai.providers.cloud import litellm, litellm_model

    entry = litellm().model_cost.get(litellm_model(provider, model)) or {}
    return entry.get("input_cost_per_token"), entry.get("output_cost_per_token")


def count(provider: str, model: str, messages) -> int:
    from harvest_desktop.ai.providers.cloud import litellm, litellm_model

    ll = litellm()
    try:
        return int(ll.token_counter(model=litellm_model(provider, model), messages=messages))
    except Exception:
        return int(ll.token_counter(model="gpt-4o-mini", messages=messages))


def test_tokens_and_cost_per_format():
    from harvest_desktop.ai.router import Route
    from harvest_desktop.services.routing import context_chars

    print("\nPre-flight estimate per format (every call counted; output at the format's maximum)")
    print(f"{'format':14} {'pages':>5} {'calls':>5} {'model':22} {'tokens in':>10} {'max out':>8} {'at most':>9}")
    for pages in (10, 100):
        passages = book(pages)
        for key in KEYS:
            for tier, provider, model in MODELS:
                context = context_chars(Route(provider, "cloud", model))
                fmt = format_for(key, GenOptions(question="How do populations grow and what limits them?",
                                                 runtime_s=180, context_chars=context))
                ps = passages
                if key == "answer":
                    from harvest_desktop.formats.generative.answer import retrieve

                    ps = retrieve(fmt.opts.question, passages)
                calls = fmt.calls_for_estimate(material(ps, context))
                tin = sum(count(provider, model, c.messages) for c in calls)
                tout = sum(c.max_tokens for c in calls)
                pin, pout = price(provider, model)
                cost = "unknown" if pin is None else f"${tin * pin + tout * pout:.4f}"
                print(f"{key:14} {pages:>5} {len(calls):>5} {tier + ' ' + model:22} {tin:>10,} {tout:>8,} {cost:>9}")


def test_time_to_first_streamed_token_over_loopback(library, tmp_path, monkeypatch, harvest_home):
    """Our side of the first token: route, estimate, prompt, request, the server's first piece."""
    import json

    from harvest_desktop.ai import keys
    from harvest_desktop.ai.gateway import Gateway
    from harvest_desktop.formats import registry
    from harvest_desktop.formats.blog_post import source_meta
    from harvest_desktop.services import routing
    from tests.ai_helpers import fake_key, small_library, trusted_memory_keyring
    from tests.ai_servers import Scripted

    before = keyring.get_keyring()
    trusted_memory_keyring(monkeypatch)
    small_library(library, tmp_path)
    passages = registry.to_passages(library.chunks(), {s.id: s for s in library.sources.all()})
    metas = {s.id: source_meta(s) for s in library.sources.all()}
    first = passages[0].text.split(". ")[0] + "."
    answer = json.dumps({"title": "B", "points": [{"text": first, "passages": [1]}] * 6})
    try:
        with Scripted("openai", [("ok", answer)]) as srv:
            monkeypatch.setenv("HARVEST_OPENAI_BASE_URL", srv.url + "/v1")
            keys.set_key("openai", fake_key())
            gw = Gateway(library.db, monthly_budget_usd=5.0)
            times = []
            for i in range(6):
                stamps: list[float] = []
                start = time.perf_counter()
                routing.generate(gw, registry.get_format("briefing"), passages, metas,
                                 routing.Options(engine="openai", fresh=True),
                                 on_text=lambda t: stamps.append(time.perf_counter()),
                                 run_builtin=lambda: None)
                times.append((stamps[0] - start) * 1000)
    finally:
        keyring.set_keyring(before)
    times = sorted(times[1:])  # the first run loads litellm
    print(f"\nTime to first streamed token, briefing over a loopback OpenAI-wire server (5 runs after a warm-up): "
          f"median {times[len(times) // 2]:.0f} ms, min {times[0]:.0f} ms, max {times[-1]:.0f} ms "
          "(routing, estimate of every call, prompt rendering, the request; the scripted server answers at once)")


@pytest.mark.llama
def test_grounding_pass_share_through_the_real_local_model(library, tmp_path, monkeypatch, harvest_home):
    """Every format through SmolLM2-135M on llama.cpp's server (opt-in: HARVEST_TEST_LLAMA=1)."""
    from tests.integration.test_ai_llama import smollm2_gguf  # noqa: F401 (fails plainly when missing)

    import subprocess
    import sys
    import socket

    import httpx

    from harvest_desktop.ai import keys
    from harvest_desktop.ai.gateway import Gateway
    from harvest_desktop.formats import registry
    from harvest_desktop.formats.blog_post import source_meta
    from harvest_desktop.formats.registry import FormatSpec
    from harvest_desktop.services import routing
    from tests.ai_helpers import small_library, trusted_memory_keyring

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf()),
                             "--model_alias", "smollm2", "--host", "127.0.0.1", "--port", str(port),
                             "--n_ctx", "8192", "--n_threads", "2"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/v1"
    before = keyring.get_keyring()
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/models", timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        trusted_memory_keyring(monkeypatch)
        small_library(library, tmp_path)
        keys.add_endpoint("llamacpp", base, "smollm2")
        gw = Gateway(library.db, monthly_budget_usd=1.0)
        passages = registry.to_passages(library.chunks(), {s.id: s for s in library.sources.all()})
        metas = {s.id: source_meta(s) for s in library.sources.all()}
        print("\nGrounding through SmolLM2-135M (llama.cpp server, 2 shared cores)")
        for key in KEYS:
            spec = FormatSpec("answer", "Cited answer", "", None) if key == "answer" else registry.get_format(key)
            gen = GenOptions(question="How do bees show where food is?", count=5, runtime_s=60)
            stamps: list[float] = []
            start = time.perf_counter()
            try:
                result = routing.generate(gw, spec, passages, metas, routing.Options(engine="llamacpp", gen=gen),
                                          on_text=lambda t: stamps.append(time.perf_counter()),
                                          run_builtin=lambda: None)
                g = result.content.get("grounding") or {}
                line = (f"{g.get('passed', 0)}/{g.get('checked', 0)} passed, {g.get('flagged', 0)} flagged, "
                        f"{g.get('dropped', 0)} dropped")
            except Exception as exc:  # a tiny model often writes nothing usable: that is a figure too
                line = f"no output: {str(exc)[:120]}"
            ttft = f"{(stamps[0] - start) * 1000:.0f} ms" if stamps else "-"
            print(f"  {key:14} {line}; first token {ttft}; {time.perf_counter() - start:.1f} s")
    finally:
        keyring.set_keyring(before)
        proc.terminate()
        proc.wait(10)
    assert os.environ.get("HARVEST_TEST_LLAMA") == "1"
