"""Each provider's real wire format on 127.0.0.1, driven through the real litellm and ollama clients."""

from __future__ import annotations

import threading
import time

import pytest

from harvest_desktop.ai import http
from harvest_desktop.ai.providers.base import GenRequest, ProviderError, collect
from harvest_desktop.ai.providers.cloud import CloudProvider, litellm
from harvest_desktop.ai.providers.local import OllamaProvider
from harvest_desktop.core.cancel import CancelToken
from harvest_desktop.core.errors import Cancelled
from tests.ai_helpers import fake_key
from tests.ai_servers import Scripted

REQ = GenRequest("blog-post", [{"role": "user", "content": "Write one line."}], 64)
TEXT = "Bees dance to tell the hive where flowers are blooming today."
CLOUD = [("openai", "/v1", "gpt-4o-mini"), ("anthropic", "", "claude-haiku-4-5"), ("gemini", "", "gemini-2.5-flash")]


def provider(kind, srv, suffix, **kw):
    return CloudProvider(kind, kind=kind, api_key=fake_key(), base_url=srv.url + suffix, **kw)


@pytest.mark.parametrize("kind,suffix,model", CLOUD)
def test_complete_and_stream(kind, suffix, model):
    with Scripted(kind, [("ok", TEXT)]) as srv:
        p = provider(kind, srv, suffix)
        c = p.complete(model, REQ)
        assert c.text == TEXT and c.tokens_in == 42 and c.tokens_out == len(TEXT.split())
        pieces = []
        s = collect(p.stream(model, REQ), CancelToken(), pieces.append)
        assert s.text == TEXT and len(pieces) > 1 and s.tokens_out == len(TEXT.split())
        sent = srv.requests[-1]
        assert sent["body"].get("stream") is True or "streamGenerateContent" in sent["path"]
        key = fake_key()
        headers = {k.lower(): v for k, v in sent["headers"].items()}
        auth = headers.get("authorization", "") + headers.get("x-api-key", "") + \
            headers.get("x-goog-api-key", "") + sent["path"]
        assert key in auth  # the key travels only where the provider expects it


@pytest.mark.parametrize("kind,suffix,model", CLOUD)
@pytest.mark.parametrize("step,kind_expected", [
    (("status", 401, "Invalid API key provided"), "auth"),
    (("retry", 7), "rate_limit"),
    (("status", 500, "internal error"), "server"),
])
def test_failures_become_named_errors(kind, suffix, model, step, kind_expected):
    with Scripted(kind, [step]) as srv:
        with pytest.raises(ProviderError) as err:
            provider(kind, srv, suffix).complete(model, REQ)
    assert err.value.kind == kind_expected and err.value.provider == kind
    assert str(err.value).startswith(f"{kind}: ") and err.value.hint
    if kind_expected == "rate_limit":
        assert err.value.retry_after == 7.0
    assert fake_key() not in str(err.value)


@pytest.mark.parametrize("kind,suffix,model", CLOUD)
def test_a_stream_cut_mid_answer_is_never_a_finished_answer(kind, suffix, model):
    with Scripted(kind, [("drop", TEXT)]) as srv:
        pieces = []
        with pytest.raises(ProviderError) as err:
            collect(provider(kind, srv, suffix).stream(model, REQ), CancelToken(), pieces.append)
    assert err.value.kind == "dropped" and pieces  # something arrived, and it was not kept as done


def test_a_stalled_server_times_out():
    with Scripted("openai", [("stall", 3)]) as srv:
        p = provider("openai", srv, "/v1", timeouts=http.Timeouts(connect=1, read=0.5))
        litellm()  # imported before the clock starts: the import takes seconds on a busy machine
        t0 = time.perf_counter()
        with pytest.raises(ProviderError) as err:
            p.complete("gpt-4o-mini", REQ)
    assert err.value.kind in ("timeout", "unreachable", "dropped") and time.perf_counter() - t0 < 3


def test_a_server_on_this_computer_is_given_time_to_read_the_prompt():
    """A local server sends nothing until it has read the whole prompt on the CPU: it gets the long
    read timeout, on the wire too; a remote server and the cloud keep the short one."""
    local = CloudProvider("lab", kind="endpoint", api_key=None, base_url="http://127.0.0.1:8080/v1")
    remote = CloudProvider("lab2", kind="endpoint", api_key=None, base_url="https://models.example.org/v1")
    cloud = CloudProvider("openai", kind="openai", api_key=fake_key())
    assert local.timeouts.read == http.LOCAL_READ_TIMEOUT_S > http.READ_TIMEOUT_S
    assert remote.timeouts.read == cloud.timeouts.read == http.READ_TIMEOUT_S
    kw = local._kwargs("m", REQ, True, "none")
    assert kw["timeout"] == http.LOCAL_READ_TIMEOUT_S
    assert kw["client"]._client.timeout.read == http.LOCAL_READ_TIMEOUT_S
    assert OllamaProvider("http://127.0.0.1:11434").timeouts.read == http.LOCAL_READ_TIMEOUT_S
    assert OllamaProvider("http://gpu-box.example.org:11434").timeouts.read == http.READ_TIMEOUT_S


def test_unreachable_server_is_said_plainly():
    with Scripted("openai") as srv:
        url = srv.url
    p = CloudProvider("lab", kind="endpoint", api_key=None, base_url=url + "/v1")
    with pytest.raises(ProviderError) as err:
        p.complete("m", REQ)
    assert err.value.kind == "unreachable" and err.value.provider == "lab"


def test_json_schema_refused_then_json_object_with_schema_is_used():
    schema = {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}
    req = GenRequest("blog-post", REQ.messages, 64, json_schema=schema)
    with Scripted("openai", [("status", 400, "response_format type json_schema is not supported"),
                             ("ok", '{"title": "x"}')]) as srv:
        p = CloudProvider("llamacpp", kind="endpoint", api_key=None, base_url=srv.url + "/v1")
        assert p.complete("smollm2", req).text == '{"title": "x"}'
        formats = [r["body"].get("response_format", {}).get("type") for r in srv.requests]
    assert formats == ["json_schema", "json_object"]
    assert srv.requests[-1]["body"]["response_format"]["schema"] == schema


def test_llama_cpp_style_refusal_as_a_500_also_falls_back_to_json_object():
    schema = {"type": "object", "properties": {"title": {"type": "string"}}}
    req = GenRequest("blog-post", REQ.messages, 64, json_schema=schema)
    refusal = ("1 validation error: {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
               "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}")
    with Scripted("openai", [("status", 500, refusal), ("ok", '{"title": "y"}')]) as srv:
        p = CloudProvider("llamacpp", kind="endpoint", api_key=None, base_url=srv.url + "/v1")
        c = collect(p.stream("smollm2", req), CancelToken())
        assert c.text == '{"title": "y"}'
        assert [r["body"]["response_format"]["type"] for r in srv.requests] == ["json_schema", "json_object"]


def test_cancel_mid_stream_stops_reading():
    long = " ".join(f"word{i}" for i in range(400))
    with Scripted("openai", [("ok", long)]) as srv:
        token = CancelToken()
        got = []

        def on_text(t):
            got.append(t)
            token.cancel()

        with pytest.raises(Cancelled):
            collect(provider("openai", srv, "/v1").stream("gpt-4o-mini", REQ, token), token, on_text)
    assert len(got) == 1


def test_prices_and_token_counts_come_from_litellm():
    p = CloudProvider("openai", kind="openai", api_key=fake_key())
    price = p.price("gpt-4o-mini")
    assert price is not None and price.input > 0 and price.output > price.input
    assert p.price("no-such-model-anywhere") is None
    n = p.count_tokens("gpt-4o-mini", [{"role": "user", "content": "one two three four five"}])
    assert 5 <= n <= 20
    local = CloudProvider("lab", kind="endpoint", api_key=None, base_url="http://127.0.0.1:9/v1")
    assert local.price("anything").input == 0  # on this computer: free


# -- Ollama ---------------------------------------------------------------------------------------
def test_ollama_lists_streams_and_pulls_with_progress():
    with Scripted("ollama", [("tags", ["llama3.2:latest", "qwen2.5:0.5b"])]) as srv:
        p = OllamaProvider(srv.url)
        assert [m.name for m in p.models()] == ["llama3.2:latest", "qwen2.5:0.5b"]
        srv.script(("ok", TEXT))
        pieces = []
        c = collect(p.stream("llama3.2", REQ), CancelToken(), pieces.append)
        assert c.text == TEXT and c.tokens_in == 42 and len(pieces) > 1
        body = srv.requests[-1]["body"]
        assert body["options"]["num_predict"] == 64 and srv.requests[-1]["path"] == "/api/chat"
        seen = []
        p.pull("llama3.2", progress=seen.append)
        assert seen[0].status == "pulling manifest" and seen[-1].status == "success"
        fractions = [s.completed / s.total for s in seen if s.total]
        assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_ollama_pull_can_be_cancelled():
    with Scripted("ollama", [("ok", "")]) as srv:
        token = CancelToken()
        seen = []

        def progress(p):
            seen.append(p)
            if len(seen) == 3:
                token.cancel()

        with pytest.raises(Cancelled):
            OllamaProvider(srv.url).pull("llama3.2", token, progress)
    assert len(seen) == 3


def test_ollama_errors_are_messages():
    with Scripted("ollama", [("status", 404, "model 'nope' not found")]) as srv:
        with pytest.raises(ProviderError) as err:
            collect(OllamaProvider(srv.url).stream("nope", REQ), CancelToken())
        assert err.value.kind == "not_found" and "ollama pull nope" in str(err.value)
        srv.script(("drop", TEXT))
        with pytest.raises(ProviderError) as err:
            collect(OllamaProvider(srv.url).stream("llama3.2", REQ), CancelToken())
        assert err.value.kind == "dropped"
        url = srv.url
    with pytest.raises(ProviderError) as err:
        OllamaProvider(url).models()
    assert err.value.kind == "unreachable" and "ollama serve" in str(err.value)
    with Scripted("ollama", [("stall", 3)]) as srv:
        p = OllamaProvider(srv.url, http.Timeouts(connect=1, read=0.5))
        with pytest.raises(ProviderError) as err:
            collect(p.stream("llama3.2", REQ), CancelToken())
    assert err.value.kind in ("timeout", "dropped")
