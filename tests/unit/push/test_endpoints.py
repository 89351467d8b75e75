"""The endpoint rules (SSRF): a refusal table, resolved names included, with a fake
resolver (no network)."""

import pytest

from clearinghouse.config import load_settings
from clearinghouse.errors import UnsafeEndpoint
from clearinghouse.services.adapters.webhook_endpoints import EndpointRules

NAMES = {
    "hooks.example.com": ["93.184.216.34"],
    "sneaky.example.com": ["127.0.0.1"],  # a public name resolving to loopback
    "mixed.example.com": ["93.184.216.34", "10.0.0.7"],
    "v6.example.com": ["2606:2800:220:1:248:1893:25c8:1946"],
    "internal.example.com": ["10.20.3.4"],
    "nowhere.example.com": [],
}


def rules(**settings) -> EndpointRules:
    return EndpointRules.from_settings(
        load_settings(environ={}, **settings), resolver=lambda host, port: NAMES[host]
    )


REFUSED = {
    "plain-http": "http://hooks.example.com/h",
    "other-scheme": "ftp://hooks.example.com/h",
    "no-host": "https:///h",
    "credentials": "https://user:pw@hooks.example.com/h",
    "loopback-literal": "https://127.0.0.1/h",
    "loopback-v6": "https://[::1]/h",
    "mapped-loopback": "https://[::ffff:127.0.0.1]/h",
    "private-10": "https://10.1.2.3/h",
    "private-192": "https://192.168.1.1/h",
    "private-172": "https://172.16.0.1/h",
    "link-local-metadata": "https://169.254.169.254/latest/meta-data",
    "shared-cgnat": "https://100.100.100.200/h",
    "unspecified": "https://0.0.0.0/h",
    "multicast": "https://224.0.0.1/h",
    "ula-v6": "https://[fd00:ec2::254]/h",
    "name-resolving-to-loopback": "https://sneaky.example.com/h",
    "one-private-address-of-several": "https://mixed.example.com/h",
    "name-without-address": "https://nowhere.example.com/h",
    "space": "https://hooks.example.com/a b",
    "non-ascii": "https://hooks.example.com/\u00e9",
    "bad-port": "https://hooks.example.com:99999/h",
    "not-a-string": 7,
}


@pytest.mark.parametrize("url", REFUSED.values(), ids=REFUSED.keys())
def test_refused(url):
    with pytest.raises(UnsafeEndpoint) as caught:
        rules().check(url)
    assert caught.value.status == 422


@pytest.mark.parametrize(
    "url",
    ["https://hooks.example.com/h?x=1", "https://v6.example.com:8443/", "https://93.184.216.34/"],
)
def test_public_https_endpoints_pass(url):
    assert rules().check(url).url == url


def test_allow_lists_open_exactly_what_they_name():
    opened = rules(
        webhook_allow_http_hosts=("internal.example.com",),
        webhook_allow_networks=("10.20.0.0/16",),
    )
    assert opened.check("http://internal.example.com/h").port == 80
    with pytest.raises(UnsafeEndpoint):
        opened.check("http://hooks.example.com/h")  # http only for the named host
    with pytest.raises(UnsafeEndpoint):
        opened.check("https://10.21.0.1/h")  # outside the allowed network
    with pytest.raises(UnsafeEndpoint):
        opened.check("https://sneaky.example.com/h")  # loopback is not allowed
