"""Servers on 127.0.0.1 that speak each provider's real wire format, scripted per request.

Each server takes a list of steps; each request consumes the next step (the last one repeats):
    ("ok", text)            a normal answer (JSON, or the provider's stream when asked to stream)
    ("status", code, body)  an HTTP error with the provider's error body
    ("retry", seconds)      429 with a Retry-After header
    ("stall", seconds)      accept the request, then say nothing for that long
    ("drop", text)          start streaming text, then cut the connection mid-answer
    ("slow", text, seconds) a normal answer, streamed in pieces `seconds` apart (OpenAI format)
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


def _pieces(text: str, n: int = 4) -> list[str]:
    words = text.split(" ")
    size = max(1, len(words) // n)
    out = [" ".join(words[i:i + size]) for i in range(0, len(words), size)]
    return [p + (" " if i < len(out) - 1 else "") for i, p in enumerate(out)]


class Scripted(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, kind: str, steps: list[tuple] | None = None) -> None:
        self.kind = kind
        self.steps = list(steps or [("ok", "Hello from the server.")])
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.count_prompt = None  # optional: messages -> prompt tokens (else a fixed 42)
        self.first_sent: list[float] = []  # perf_counter() of each OpenAI stream's first text piece
        super().__init__(("127.0.0.1", 0), _Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def script(self, *steps: tuple) -> None:
        with self.lock:
            self.steps = list(steps)

    def next_step(self, only: tuple[str, ...] | None = None) -> tuple | None:
        """The next scripted step (the last one repeats); with `only`, None unless it is one of those."""
        with self.lock:
            if only is not None and self.steps[0][0] not in only:
                return None
            return self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]

    def close(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


ERRORS = {
    "openai": lambda code, msg: {"error": {"message": msg, "type": "invalid_request_error" if code != 429
                                           else "insufficient_quota" if "quota" in msg else "rate_limit_error",
                                           "code": {401: "invalid_api_key"}.get(code)}},
    "anthropic": lambda code, msg: {"type": "error", "error": {"type": {401: "authentication_error",
                                                                      429: "rate_limit_error",
                                                                      500: "api_error"}.get(code, "invalid_request_error"),
                                                               "message": msg}},
    "gemini": lambda code, msg: {"error": {"code": code, "message": msg,
                                           "status": {401: "UNAUTHENTICATED", 429: "RESOURCE_EXHAUSTED",
                                                      500: "INTERNAL"}.get(code, "INVALID_ARGUMENT")}},
    "ollama": lambda code, msg: {"error": msg},
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Scripted

    def log_message(self, *args) -> None:
        pass

    # -- plumbing ----------------------------------------------------------------------------
    def _body(self) -> dict:
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return {}

    def _json(self, code: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _start_chunked(self, ctype: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

    def _chunk(self, data: str) -> None:
        raw = data.encode()
        self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
        self.wfile.flush()

    def _end_chunked(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _drop(self) -> None:
        self.wfile.flush()
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()
        self.close_connection = True

    def _record(self, body: dict) -> None:
        with self.server.lock:
            self.server.requests.append({"method": self.command, "path": self.path,
                                         "headers": dict(self.headers), "body": body})

    # -- routes ------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._record({})
        path = urlsplit(self.path).path
        kind = self.server.kind
        # Model listings (Ollama's /api/tags, /v1/models) take only the steps meant for them, so a
        # probe before a generation does not eat the generation's scripted answer.
        step = self.server.next_step(("tags", "status") if kind != "ollama" else ("tags",)) or ("tags", None)
        if step[0] == "status":
            return self._json(step[1], ERRORS[kind](step[1], step[2] if len(step) > 2 else "error"))
        if kind == "ollama" and path == "/api/tags":
            models = step[1] or ["llama3.2:latest"]
            return self._json(200, {"models": [{"name": m, "model": m, "modified_at": "2026-01-01T00:00:00Z",
                                                "size": 2019393189, "digest": "a80c4f17acd5",
                                                "details": {"format": "gguf", "family": "llama",
                                                            "parameter_size": "3.2B",
                                                            "quantization_level": "Q4_K_M"}}
                                               for m in models]})
        if path.endswith("/models"):
            return self._json(200, {"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model"}]})
        self._json(404, {"error": "not found"})

    def do_POST(self) -> None:
        body = self._body()
        self._record(body)
        step = self.server.next_step()
        kind = self.server.kind
        path = urlsplit(self.path).path
        if step[0] == "status":
            return self._json(step[1], ERRORS[kind](step[1], step[2] if len(step) > 2 else "error"))
        if step[0] == "retry":
            return self._json(429, ERRORS[kind](429, "Rate limit reached, slow down"),
                              {"Retry-After": str(step[1])})
        if step[0] == "stall":
            time.sleep(step[1])
            return self._drop()
        text = step[1] if step[0] != "tags" else "Hello from the server."
        drop = step[0] == "drop"
        self._gap = float(step[2]) if step[0] == "slow" else 0.005
        if kind == "openai":
            return self._openai(body, text, drop)
        if kind == "anthropic":
            return self._anthropic(body, text, drop)
        if kind == "gemini":
            return self._gemini(path, text, drop)
        if kind == "ollama":
            if path == "/api/pull":
                return self._pull(step)
            return self._ollama(body, text, drop)
        self._json(404, {"error": "unknown"})

    # -- OpenAI chat completions -------------------------------------------------------------
    def _openai(self, body: dict, text: str, drop: bool) -> None:
        model = body.get("model", "model")
        prompt = self.server.count_prompt(body.get("messages") or []) if self.server.count_prompt else 42
        out_tokens = self.server.count_prompt([{"role": "assistant", "content": text}]) - 7 \
            if self.server.count_prompt else max(1, len(text.split()))
        usage = {"prompt_tokens": prompt, "completion_tokens": max(1, out_tokens),
                 "total_tokens": prompt + max(1, out_tokens)}
        if not body.get("stream"):
            return self._json(200, {"id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()),
                                    "model": model, "choices": [{"index": 0, "message": {"role": "assistant",
                                                                                         "content": text},
                                                                 "finish_reason": "stop"}], "usage": usage})
        self._start_chunked("text/event-stream")
        base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": int(time.time()), "model": model}
        pieces = _pieces(text, 4 if self._gap <= 0.005 else 12)
        for i, piece in enumerate(pieces):
            self._chunk("data: " + json.dumps({**base, "choices": [{"index": 0, "delta": {"content": piece},
                                                                  "finish_reason": None}]}) + "\n\n")
            if i == 0:
                self.server.first_sent.append(time.perf_counter())
            if drop and i == len(pieces) // 2:
                return self._drop()
            time.sleep(self._gap)
        self._chunk("data: " + json.dumps({**base, "choices": [{"index": 0, "delta": {},
                                                              "finish_reason": "stop"}]}) + "\n\n")
        if (body.get("stream_options") or {}).get("include_usage"):
            self._chunk("data: " + json.dumps({**base, "choices": [], "usage": usage}) + "\n\n")
        self._chunk("data: [DONE]\n\n")
        self._end_chunked()

    # -- Anthropic messages ------------------------------------------------------------------
    def _anthropic(self, body: dict, text: str, drop: bool) -> None:
        model = body.get("model", "claude")
        out_tokens = max(1, len(text.split()))
        if not body.get("stream"):
            return self._json(200, {"id": "msg_1", "type": "message", "role": "assistant", "model": model,
                                    "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
                                    "stop_sequence": None, "usage": {"input_tokens": 42, "output_tokens": out_tokens}})
        self._start_chunked("text/event-stream")

        def event(name: str, obj: dict) -> None:
            self._chunk(f"event: {name}\ndata: {json.dumps(obj)}\n\n")

        event("message_start", {"type": "message_start", "message": {
            "id": "msg_1", "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 42, "output_tokens": 1}}})
        event("content_block_start", {"type": "content_block_start", "index": 0,
                                      "content_block": {"type": "text", "text": ""}})
        pieces = _pieces(text)
        for i, piece in enumerate(pieces):
            event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                          "delta": {"type": "text_delta", "text": piece}})
            if drop and i == len(pieces) // 2:
                return self._drop()
            time.sleep(0.005)
        event("content_block_stop", {"type": "content_block_stop", "index": 0})
        event("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                "usage": {"output_tokens": out_tokens}})
        event("message_stop", {"type": "message_stop"})
        self._end_chunked()

    # -- Gemini generateContent / streamGenerateContent --------------------------------------
    def _gemini(self, path: str, text: str, drop: bool) -> None:
        usage = {"promptTokenCount": 42, "candidatesTokenCount": max(1, len(text.split())),
                 "totalTokenCount": 42 + max(1, len(text.split()))}

        def cand(piece: str, finish: str | None) -> dict:
            c: dict[str, Any] = {"content": {"parts": [{"text": piece}], "role": "model"}, "index": 0}
            if finish:
                c["finishReason"] = finish
            return c

        if "streamGenerateContent" not in path:
            return self._json(200, {"candidates": [cand(text, "STOP")], "usageMetadata": usage,
                                    "modelVersion": "gemini-2.5-flash"})
        self._start_chunked("text/event-stream")
        pieces = _pieces(text)
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            obj: dict[str, Any] = {"candidates": [cand(piece, "STOP" if last else None)],
                                   "modelVersion": "gemini-2.5-flash"}
            if last:
                obj["usageMetadata"] = usage
            self._chunk("data: " + json.dumps(obj) + "\r\n\r\n")
            if drop and i == len(pieces) // 2:
                return self._drop()
            time.sleep(0.005)
        self._end_chunked()

    # -- Ollama ------------------------------------------------------------------------------
    def _ollama(self, body: dict, text: str, drop: bool) -> None:
        model = body.get("model", "llama3.2")
        now = "2026-01-01T00:00:00Z"
        if body.get("stream") is False:
            return self._json(200, {"model": model, "created_at": now, "message": {"role": "assistant",
                                                                                   "content": text},
                                    "done": True, "done_reason": "stop", "prompt_eval_count": 42,
                                    "eval_count": len(text.split())})
        self._start_chunked("application/x-ndjson")
        pieces = _pieces(text)
        for i, piece in enumerate(pieces):
            self._chunk(json.dumps({"model": model, "created_at": now,
                                    "message": {"role": "assistant", "content": piece}, "done": False}) + "\n")
            if drop and i == len(pieces) // 2:
                return self._drop()
            time.sleep(0.005)
        self._chunk(json.dumps({"model": model, "created_at": now, "message": {"role": "assistant", "content": ""},
                                "done": True, "done_reason": "stop", "total_duration": 1000,
                                "prompt_eval_count": 42, "eval_count": len(text.split())}) + "\n")
        self._end_chunked()

    def _pull(self, step: tuple) -> None:
        total = 4_000_000
        self._start_chunked("application/x-ndjson")
        self._chunk(json.dumps({"status": "pulling manifest"}) + "\n")
        for done in range(0, total + 1, 500_000):
            self._chunk(json.dumps({"status": "pulling 6a0746a1ec1a", "digest": "sha256:6a0746a1ec1a",
                                    "total": total, "completed": done}) + "\n")
            time.sleep(0.02)
        for s in ("verifying sha256 digest", "writing manifest", "success"):
            self._chunk(json.dumps({"status": s}) + "\n")
        self._end_chunked()


def query(path: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(path).query)
