"""`harvest-server`: run the API, or manage device tokens.

    harvest-server --db URL [--host H] [--port P]       serve (default 127.0.0.1:8765)
    harvest-server --db URL token create NAME           prints the new token on its last line
    harvest-server --db URL token list
    harvest-server --db URL token revoke NAME
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

DEFAULT_DB = "sqlite:///harvest-server.db"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="harvest-server", description="The Harvest sync API (v1).")
    p.add_argument("--db", default=os.environ.get("HARVEST_SERVER_DB", DEFAULT_DB),
                   help="database URL: sqlite:///file.db or postgresql+psycopg://user:pw@host/db "
                        "(default: $HARVEST_SERVER_DB or %(default)s)")
    p.add_argument("--host", default=os.environ.get("HARVEST_SERVER_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("HARVEST_SERVER_PORT", "8765")))
    p.add_argument("--rate-limit", type=float, default=None, metavar="PER_MINUTE",
                   help="requests per minute per token (default 600; 0 turns the limit off)")
    p.add_argument("--burst", type=int, default=None, help="requests a token may make at once (default 120)")
    p.add_argument("--max-request-mb", type=float, default=None, help="largest request body (default 64 MB)")
    sub = p.add_subparsers(dest="command")
    tok = sub.add_parser("token", help="manage device tokens")
    tsub = tok.add_subparsers(dest="action", required=True)
    c = tsub.add_parser("create", help="make a token for a device (shown once)")
    c.add_argument("name")
    tsub.add_parser("list", help="list tokens (names and dates, never the tokens)")
    r = tsub.add_parser("revoke", help="revoke a token at once")
    r.add_argument("name")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        from harvest_desktop.server import store
    except ImportError as exc:  # pragma: no cover - the extra is missing
        print(f"harvest-server: {exc.name} is missing; install the server extra: pip install '.[server]'",
              file=sys.stderr)
        return 2
    try:
        engine = store.make_engine(args.db)
        store.migrate(engine)
    except Exception as exc:
        print(f"harvest-server: cannot open the database {_safe_url(args.db)}: {exc.__class__.__name__}: "
              f"{str(exc).splitlines()[0][:200]}", file=sys.stderr)
        return 1
    if args.command == "token":
        return _token(engine, args)
    return _serve(engine, args)


def _token(engine, args) -> int:
    from harvest_desktop.server import store

    if args.action == "create":
        try:
            token = store.create_token(engine, args.name)
        except ValueError as exc:
            print(f"harvest-server: {exc}", file=sys.stderr)
            return 1
        print(f"token for '{args.name.strip()}' (shown once; give it to `harvest sync setup URL` on that device):")
        print(token)
        return 0
    if args.action == "list":
        rows = store.list_tokens(engine)
        if not rows:
            print("no tokens yet: harvest-server token create NAME")
        for t in rows:
            state = f"revoked {t.revoked_at}" if t.revoked_at else "active"
            print(f"{t.name}\tcreated {t.created_at}\t{state}")
        return 0
    if store.revoke_token(engine, args.name):
        print(f"revoked '{args.name}': it is refused from now on")
        return 0
    print(f"harvest-server: no active token named '{args.name}'", file=sys.stderr)
    return 1


def _serve(engine, args) -> int:
    try:
        import uvicorn
    except ImportError:
        print("harvest-server: uvicorn is missing; install the server extra: pip install '.[server]'", file=sys.stderr)
        return 2
    from harvest_desktop.server.app import (DEFAULT_BURST, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_RATE_PER_MINUTE,
                                            ServerConfig, create_app)

    config = ServerConfig(
        db_url=args.db,
        rate_per_minute=DEFAULT_RATE_PER_MINUTE if args.rate_limit is None else args.rate_limit,
        burst=DEFAULT_BURST if args.burst is None else args.burst,
        max_request_bytes=DEFAULT_MAX_REQUEST_BYTES if args.max_request_mb is None
        else int(args.max_request_mb * 1024 * 1024))
    app = create_app(config, engine=engine)
    print(f"harvest-server: serving {engine.dialect.name} database on http://{args.host}:{args.port}/v1 "
          f"(API schema at /v1/openapi.json)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


def _safe_url(url: str) -> str:
    """The URL without its password."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]
