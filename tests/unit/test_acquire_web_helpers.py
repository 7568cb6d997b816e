"""Address classes and Retry-After parsing, without a network."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from harvest_desktop.acquire.web import USER_AGENT, WebHarvester, _retry_after, classify_address
from harvest_desktop.core.settings import Settings


def test_classify_address():
    c = lambda a: classify_address(ipaddress.ip_address(a))  # noqa: E731
    for meta in ("169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254", "100.100.100.200"):
        assert c(meta) == "metadata"
    for private in ("127.0.0.1", "10.0.0.5", "172.16.3.4", "192.168.1.1", "169.254.1.1", "::1", "fe80::1",
                    "fc00::1", "0.0.0.0", "100.64.0.1", "::ffff:10.0.0.1"):
        assert c(private) == "private", private
    for public in ("93.184.216.34", "2606:4700::1111"):
        assert c(public) == "public"


def test_retry_after_forms():
    assert _retry_after("5") == 5.0
    assert _retry_after(None) is None and _retry_after("soon") is None
    later = datetime.now(timezone.utc) + timedelta(seconds=30)
    assert 25 <= _retry_after(format_datetime(later, usegmt=True)) <= 31


def test_user_agent_names_harvest_and_contact():
    assert USER_AGENT.startswith("Harvest/")
    st = Settings()
    st.web.user_agent_contact = "mailto:me@example.org"
    ua = WebHarvester(st).user_agent
    assert ua.startswith("Harvest/") and "mailto:me@example.org" in ua and ua.endswith(")")
