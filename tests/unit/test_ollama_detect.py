"""Ollama detection: a fake server on loopback answers like Ollama; a closed port means not running."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest

from harvest_desktop.ai.ollama_detect import OllamaStatus, detect_ollama, detect_ollama_blocking

TAGS = {
    "models": [
        {
            "name": "llama3.2:latest",
            "model": "llama3.2:latest",
            "modified_at": "2024-10-01T12:00:00.000000+00:00",
            "size": 2019393189,
            "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
            "details": {
                "parent_model": "",
                "format": "gguf",
                "family": "llama",
                "families": ["llama"],
                "parameter_size": "3.2B",
                "quantization_level": "Q4_K_M",
            },
        },
        {
            "name": "qwen2.5:0.5b",
            "model": "qwen2.5:0.5b",
            "modified_at": "2024-10-02T12:00:00.000000+00:00",
            "size": 397821319,
            "digest": "a8b0c51577010a279d933d14c2a8ab4b268079d44c5c8830c0a93900f1827c67",
            "details": {"format": "gguf", "family": "qwen2", "parameter_size": "494M",
                        "quantization_level": "Q4_K_M"},
        },
    ]
}


def serve(body: bytes, status: int = 200) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            if self.path != "/api/tags":
                self.send_error(404)
                return
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                     name="fake-ollama", daemon=True).start()
    return server


@pytest.fixture
def fake_ollama() -> Iterator[str]:
    server = serve(json.dumps(TAGS).encode())
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    return f"http://127.0.0.1:{port}"


def test_running_server_lists_models(fake_ollama):
    status = asyncio.run(detect_ollama(fake_ollama))
    assert status == OllamaStatus(True, ["llama3.2:latest", "qwen2.5:0.5b"], None)
    assert status.describe() == "Ollama found: 2 models"


def test_trailing_slash_is_fine(fake_ollama):
    assert detect_ollama_blocking(fake_ollama + "/").running


def test_closed_port_is_not_running(closed_port_url):
    status = asyncio.run(detect_ollama(closed_port_url, timeout=1.0))
    assert not status.running and status.models == []
    assert status.error
    assert status.describe().startswith("Ollama not running")


@pytest.mark.parametrize(
    ("body", "code"),
    [(b"<html>hello</html>", 200), (b'{"something": "else"}', 200), (b"{}", 500)],
)
def test_something_else_on_the_port_is_not_ollama(body, code):
    server = serve(body, code)
    try:
        status = detect_ollama_blocking(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
    assert not status.running and status.error
