"""A loopback HTTP/1.1 server for the network-layer tests: routes, a request log with headers."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = ("<!doctype html><html><head><title>{t}</title></head><body><article><h1>{t}</h1><p>{t} explains "
        "how bees find flowers by scent and by the waggle dance, in enough words for the extractor to keep "
        "it as the main text of the page.</p></article></body></html>")


class Server:
    """A loopback HTTP/1.1 server; routes map a path to (status, headers, body) or a callable."""

    def __init__(self, routes: dict, *, host: str = "127.0.0.1", close: bool = False) -> None:
        self.routes = routes
        self.log: list[tuple[float, str, dict[str, str]]] = []
        self.close = close
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                path = self.path.split("?")[0]
                outer.log.append((time.monotonic(), path, {k.lower(): v for k, v in self.headers.items()}))
                route = outer.routes.get(path, (404, {}, b"not here"))
                if callable(route):
                    route = route(outer, self)
                    if route is None:
                        return
                status, headers, body = route
                body = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                headers = {"Content-Type": "text/html; charset=utf-8", **headers}
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                if outer.close:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = _answer  # noqa: N815

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://{host}:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def hits(self, path: str) -> list[float]:
        return [t for t, p, _ in self.log if p == path]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
