"""`harvest keys`: API keys and servers. A key is read from stdin or a hidden prompt, never from argv."""

from __future__ import annotations

import sys

from harvest_desktop.cli._common import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE

NAME = "keys"


def register(sub) -> None:
    k = sub.add_parser(NAME, help="API keys and model servers: list, set, test, remove, add-endpoint")
    ks = k.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    ks.add_parser("list", help="each provider, the masked tail of its key, and where it is kept")
    s = ks.add_parser("set", help="store a key (read from stdin when piped, otherwise a hidden prompt)")
    s.add_argument("provider", metavar="PROVIDER", help="openai, anthropic, gemini, ollama (its address) or an endpoint")
    t = ks.add_parser("test", help="make the cheapest real call and say: valid, invalid key, no credit, "
                                   "rate limited or unreachable")
    t.add_argument("provider", metavar="PROVIDER")
    r = ks.add_parser("remove", help="remove a key (or an endpoint with --endpoint)")
    r.add_argument("provider", metavar="PROVIDER")
    r.add_argument("--endpoint", action="store_true", help="also forget the endpoint itself")
    a = ks.add_parser("add-endpoint", help="add an OpenAI-compatible server (LM Studio, llama.cpp, vLLM, "
                                           "LocalAI, OpenRouter); set its key, if any, with `keys set NAME`")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--base-url", required=True, metavar="URL", help="e.g. http://127.0.0.1:8080/v1")
    a.add_argument("--model", default="", metavar="MODEL", help="the model to ask for")
    k.set_defaults(run=run)


def _read_secret(label: str) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    import getpass

    return getpass.getpass(f"{label} (input hidden): ").strip()


def run(lib, args) -> int:
    from harvest_desktop.ai import keys

    action = args.keys_command
    if action == "list":
        rows = keys.list_keys()
        ok, description = keys.secure_backend()
        if not ok:
            print(f"harvest: {description}", file=sys.stderr)
        breakers = _breakers()
        for r in rows:
            state = r.tail if r.is_set else "not set"
            where = f"\t{r.where}" if r.is_set else ""
            extra = f"\t{r.base_url}" + (f" model {r.model}" if r.model else "") if r.base_url else ""
            health = breakers.state(r.name)
            hs = f"\t{health.describe()}" if health.failures else ""
            print(f"{r.name}\t{state}{where}{extra}{hs}")
        return EXIT_OK
    if action == "add-endpoint":
        ep = keys.add_endpoint(args.name, args.base_url, args.model)
        where = "on this computer" if ep.is_local else "remote"
        print(f"added endpoint {ep.name}: {ep.base_url} ({where})"
              + (f", model {ep.model}" if ep.model else "")
              + f"; use it with --engine {ep.name}; a key, if it needs one: `harvest keys set {ep.name}`")
        return EXIT_OK
    name = keys.resolve_key_name(args.provider)
    if action == "set":
        p = keys.provider(name)
        value = _read_secret(f"{p.label} {'key' if p.secret else 'address'}")
        if not value:
            print("harvest: nothing was read, so nothing was stored (pipe the key in, or type it at the prompt)",
                  file=sys.stderr)
            return EXIT_USAGE
        keys.set_key(name, value)
        if p.secret:
            print(f"stored {args.provider} key {keys.masked(value)} in {keys.where_kept()}")
        else:
            print(f"stored the {p.label.removesuffix(' URL')} address {keys.ollama_url()} in the settings")
        return EXIT_OK
    if action == "test":
        from harvest_desktop.ai.keytest import test_key

        result = test_key(args.provider)
        print(result.line())
        return EXIT_OK if result.ok else EXIT_PARTIAL
    if action == "remove":
        if args.endpoint:
            if not keys.remove_endpoint(args.provider):
                print(f"harvest: there is no endpoint named '{args.provider}'", file=sys.stderr)
                return EXIT_PARTIAL
            print(f"removed endpoint {args.provider} and its key")
            return EXIT_OK
        keys.clear_key(name)
        if keys.provider(name).secret:
            print(f"removed the {args.provider} key")
        else:
            print(f"removed the {args.provider} address (now {keys.ollama_url()})")
        return EXIT_OK
    return EXIT_USAGE


def _breakers():
    from harvest_desktop.ai.resilience import Breakers

    return Breakers()
