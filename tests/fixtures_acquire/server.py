"""A real HTTP server on 127.0.0.1, in a thread, serving pages, robots.txt and misbehaving endpoints."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.fixtures_acquire.make import ARTICLE_HTML, write_pdf

SECTION_PAGE = """<!doctype html><html><head><title>{title}</title><meta name="author" content="Jordan Ellis">
</head><body><nav><a href="/">Home</a> <a href="/shop">Shop</a></nav><article><h1>{title}</h1>
<p>{text}</p><p>This page belongs to the bee section of the site and explains one idea in some depth so
that the main-text extractor keeps it as the body of the page.</p></article>
<footer>Copyright Pollinator Weekly. All rights reserved.</footer></body></html>"""


class Site:
    """Routes, robots.txt and a log of (time, path) for every request."""

    def __init__(self, robots: str, tmp: Path) -> None:
        self.robots = robots
        self.log: list[tuple[float, str, str]] = []  # (monotonic time, path, user agent)
        self.counters: dict[str, int] = {}
        self.pdf = write_pdf(tmp / "served.pdf").read_bytes()
        self.server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://127.0.0.1:{port}"

    def hits(self, path: str) -> list[float]:
        return [t for t, p, _ in self.log if p == path]


def _handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
                 headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if body:
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        def do_GET(self) -> None:  # noqa: N802
            path = self.path.split("?")[0]
            site.log.append((time.monotonic(), path, self.headers.get("User-Agent", "")))
            site.counters[path] = site.counters.get(path, 0) + 1
            count = site.counters[path]
            if path == "/robots.txt":
                if site.robots == "500":
                    return self.send(500, b"oops", "text/plain")
                if not site.robots:
                    return self.send(404, b"not here", "text/plain")
                return self.send(200, site.robots.encode(), "text/plain")
            if path == "/article.html":
                return self.send(200, ARTICLE_HTML.replace("{extra}", "Served over HTTP.").encode())
            if path.startswith("/section/") or path.startswith("/private/"):
                name = path.rsplit("/", 1)[-1].split(".")[0]
                body = SECTION_PAGE.format(title=f"Bee {name}", text=f"The {name} page says bees rely on {name}.")
                return self.send(200, body.encode())
            if path == "/slow":
                time.sleep(3)
                return self.send(200, b"<html><body><p>late</p></body></html>")
            if path == "/trickle":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                for _ in range(40):
                    try:
                        self.wfile.write(b"<p>x</p>")
                        self.wfile.flush()
                    except (BrokenPipeError, ConnectionResetError):
                        return
                    time.sleep(0.1)
                return
            if path == "/missing":
                return self.send(404, b"<h1>Not found</h1>")
            if path == "/gone":
                return self.send(410, b"<h1>Gone</h1>")
            if path == "/flaky":
                if count == 1:
                    return self.send(503, b"busy", "text/plain", {"Retry-After": "1"})
                return self.send(200, SECTION_PAGE.format(title="Flaky page", text="It worked on retry.").encode())
            if path == "/always503":
                return self.send(503, b"busy", "text/plain", {"Retry-After": "0"})
            if path == "/toomany":
                return self.send(429, b"slow down", "text/plain", {"Retry-After": "0"})
            if path == "/wait-long":
                return self.send(429, b"slow down", "text/plain", {"Retry-After": "3600"})
            if path == "/redirect":
                return self.send(302, headers={"Location": "/article.html"})
            if path == "/loop-a":
                return self.send(302, headers={"Location": "/loop-b"})
            if path == "/loop-b":
                return self.send(302, headers={"Location": "/loop-a"})
            if path == "/to-metadata":
                return self.send(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
            if path == "/to-ftp":
                return self.send(302, headers={"Location": "ftp://example.org/file"})
            if path == "/paper.pdf":
                return self.send(200, site.pdf, "application/pdf")
            if path == "/notes.txt":
                return self.send(200, "Plain notes about pollen. Pollen sticks to bees.\n".encode(),
                                 "text/plain; charset=utf-8")
            if path == "/image.png":
                return self.send(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")
            if path == "/huge":
                return self.send(200, b"<p>" + b"a" * (3 * 1024 * 1024) + b"</p>")
            if path == "/deep.html":
                return self.send(200, b"<html><body>" + b"<div>" * 100_000 + b"</body></html>")
            return self.send(404, b"<h1>Not found</h1>")

    return Handler


def start_site(robots: str, tmp: Path) -> Site:
    site = Site(robots, tmp)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.server = server
    threading.Thread(target=server.serve_forever, name="test-http", daemon=True).start()
    return site


def stop_site(site: Site) -> None:
    if site.server is not None:
        site.server.shutdown()
        site.server.server_close()


def start_tls_site(tmp: Path) -> tuple[ThreadingHTTPServer, str]:
    """HTTPS with a self-signed certificate: must be refused (certificates are always verified)."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    import ipaddress

    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    site = Site("", tmp)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="test-https", daemon=True).start()
    return server, f"https://127.0.0.1:{server.server_address[1]}"
