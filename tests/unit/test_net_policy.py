"""The address policy, login stripping and robots.txt delays, without a network."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from harvest_desktop import net
from harvest_desktop.core.errors import AddressRefused, FetchError
from harvest_desktop.net.crawl import crawl_delay


def test_classify_address():
    c = lambda a: net.classify_address(ipaddress.ip_address(a))  # noqa: E731
    for meta in ("169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254", "100.100.100.200", "168.63.129.16"):
        assert c(meta) == "metadata", meta
    for private in ("127.0.0.1", "10.0.0.5", "172.16.3.4", "192.168.1.1", "169.254.1.1", "::1", "fe80::1", "fc00::1",
                    "0.0.0.0", "100.64.0.1", "::ffff:10.0.0.1", "2002:7f00:1::"):
        assert c(private) == "private", private
    assert c("93.184.216.34") == "public" and c("2606:4700::1111") == "public"


@pytest.mark.parametrize("url, clean, had", [
    ("http://user:pw@example.org/a?b#c", "http://example.org/a?b#c", True),
    ("https://token@example.org:8443/", "https://example.org:8443/", True),
    ("http://a:b@c@example.org/", "http://example.org/", True),
    ("http://example.org/@not-a-login", "http://example.org/@not-a-login", False),
    ("http://[::1]:8080/x", "http://[::1]:8080/x", False),
])
def test_strip_userinfo(url, clean, had):
    assert net.strip_userinfo(url) == (clean, had)
    assert "@" not in net.origin_of(url)


def test_grants_are_exact_host_and_port():
    policy = net.AddressPolicy(allow_hosts=["http://127.0.0.1:11434", "LocalHost:8080", ("::1", 9000)])
    assert policy.may_be_private("127.0.0.1", 11434) and policy.may_be_private("localhost.", 8080)
    assert policy.may_be_private("[::1]", 9000)
    for host, port in (("127.0.0.1", 11435), ("127.0.0.2", 11434), ("localhost", 11434), ("::1", 9001)):
        assert not policy.may_be_private(host, port)
        with pytest.raises(AddressRefused):
            policy.check_address(host, port, ipaddress.ip_address("127.0.0.1"))
    with net.person_named("http://10.0.0.7:8000/page"):
        assert policy.may_be_private("10.0.0.7", 8000) and not policy.may_be_private("10.0.0.7", 80)
    assert not policy.may_be_private("10.0.0.7", 8000)  # only inside the block
    with pytest.raises(ValueError):
        net.AddressPolicy(allow_hosts=["no-port-here"])


def test_every_answer_is_checked_and_metadata_always_refused():
    answers = {"mixed.example": ["93.184.216.34", "10.0.0.1"], "meta.example": ["169.254.169.254"],
               "fine.example": ["93.184.216.34", "2606:4700::1111"], "empty.example": ["not-an-ip"]}
    policy = net.AddressPolicy(allow_hosts=["meta.example:80"], resolver=lambda h, p: answers[h])

    async def resolve(host):
        return await policy.resolve(host, 80)

    assert asyncio.run(resolve("fine.example")) == [("93.184.216.34", "public"), ("2606:4700::1111", "public")]
    with pytest.raises(AddressRefused):
        asyncio.run(resolve("mixed.example"))  # one private answer refuses the name
    with pytest.raises(AddressRefused) as err:
        asyncio.run(resolve("meta.example"))  # configured or not
    assert "metadata" in str(err.value)
    with pytest.raises(FetchError):
        policy.resolve_sync("empty.example", 80)
    for name in ("metadata.google.internal", "x.metadata.google.internal", "METADATA.goog."):
        with pytest.raises(AddressRefused):
            policy.check_name(name, 80)


def test_crawl_delay_reads_decimals_and_picks_the_right_group():
    text = ("User-agent: GoogleBot\nCrawl-delay: 9\n\nUser-agent: *\nCrawl-delay: 1.5\nDisallow: /x\n\n"
            "User-agent: Harvest\nUser-agent: Other\nCrawl-delay: 3 # comment\n")
    assert crawl_delay(text, "Harvest") == 3.0
    assert crawl_delay(text, "SomethingElse") == 1.5
    assert crawl_delay("User-agent: *\nCrawl-delay: soon\n") is None
    assert crawl_delay("Crawl-delay: 5\n") is None  # outside any group


def test_user_agent_names_harvest_and_its_version():
    from harvest_desktop import __version__

    assert net.user_agent().startswith(f"Harvest/{__version__} ")
    assert net.user_agent("mailto:me@example.org").endswith("; mailto:me@example.org)")


def test_net_sits_just_above_core():
    """net imports only core (and its own modules): acquire, ai and sync build on it, never the reverse."""
    import re
    from pathlib import Path

    pkg = Path(net.__file__).parent
    offenders = []
    for path in pkg.glob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\s*(?:from|import)\s+harvest_desktop(\.\w+)?", line)
            if m and (m.group(1) or "") not in ("", ".core", ".net"):
                offenders.append(f"{path.name}: {line.strip()}")
    assert offenders == []
