"""What the address policy costs per request: plain httpx against net's client, loopback server.

Run: pytest tests/bench/bench_net.py -s   (prints figures; asserts nothing about time)
The machine's two cores are shared with other jobs; compare the columns of one run, not runs.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from harvest_desktop import net
from tests.fixtures_net import Server

pytestmark = pytest.mark.bench
N = 400


async def _run(client: httpx.AsyncClient, url: str, n: int, parallel: int) -> float:
    sem = asyncio.Semaphore(parallel)

    async def one() -> None:
        async with sem:
            r = await client.get(url)
            assert r.status_code == 200

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    return time.perf_counter() - started


def test_policy_overhead_per_request():
    server = Server({"/ok": (200, {}, b"ok")})
    server_close = Server({"/ok": (200, {}, b"ok")}, close=True)  # a new connection (and lookup) per request
    try:
        rows = []
        for label, srv in (("kept-alive connections", server), ("a new connection per request", server_close)):
            for name in ("127.0.0.1", "localhost"):
                url = f"http://{name}:{srv.port}/ok"

                async def go():
                    async with httpx.AsyncClient(trust_env=False) as plain:
                        await _run(plain, url, 20, 4)  # warm up
                        t_plain = await _run(plain, url, N, 4)
                    async with net.make_async_client("bench", allow_hosts=[url], trust_env=False) as ours:
                        await _run(ours, url, 20, 4)
                        t_ours = await _run(ours, url, N, 4)
                    return t_plain, t_ours

                t_plain, t_ours = asyncio.run(go())
                rows.append((f"{label}, {name}", t_plain, t_ours))
        print(f"\n  {N} GETs, 4 in parallel, loopback server (CPU shared with other jobs)")
        for label, a, b in rows:
            print(f"  {label:<44} httpx {a / N * 1000:6.2f} ms/req   net {b / N * 1000:6.2f} ms/req   "
                  f"({(b - a) / N * 1000:+.2f} ms)")
    finally:
        server.stop()
        server_close.stop()
