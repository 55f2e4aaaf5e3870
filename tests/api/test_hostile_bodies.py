"""Hostile JSON bodies against every API write: a 400/413 with a stable code, never a 500, nothing written.

The corpus is what a hostile client sends: nesting far past any schema (Python's json module
recursed once per level and raised RecursionError, a 500), numbers beyond any type, strings past
the body limit, duplicate keys, bytes that are not UTF-8, half surrogate pairs, broken syntax.
"""
from __future__ import annotations

import re

import pytest
import requests

from app.core.strictjson import MAX_DEPTH
from tests.security.helpers import meta_csrf, snapshot

#: label → (body, status, code)
CORPUS = {
    "array nested 5,000 deep": ("[" * 5000 + "]" * 5000, 400, "body_too_deep"),
    "object nested 5,000 deep": ('{"a":' * 5000 + "1" + "}" * 5000, 400, "body_too_deep"),
    "unclosed nesting 100,000 deep": ("[" * 100_000, 400, "body_too_deep"),
    "one level past the limit": ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), 400, "body_too_deep"),
    "a 5,000-digit integer": ('{"name": 1' + "0" * 5000 + "}", 400, "bad_request"),
    "a float past its range": ('{"name": 1e999}', 400, "number_too_large"),
    "NaN": ('{"name": NaN}', 400, "number_too_large"),
    "-Infinity": ('{"name": -Infinity}', 400, "number_too_large"),
    "a string past the body limit": ('{"name": "' + "评" * 100_000 + '"}', 413, "payload_too_large"),
    "duplicate keys": ('{"name": "a", "name": "b"}', 400, "duplicate_key"),
    "duplicate keys, nested": ('{"x": {"k": 1, "k": 2}}', 400, "duplicate_key"),
    "bytes that are not UTF-8": (b'{"name": "\xff\xfe\xc3"}', 400, "bad_encoding"),
    "half a surrogate pair": ('{"name": "\\ud800"}', 400, "bad_encoding"),
    "a key with half a surrogate pair": ('{"\\udc00": 1}', 400, "bad_encoding"),
    "truncated": ('{"name": "a', 400, "bad_request"),
    "two documents": ('{"name": "a"} {"name": "b"}', 400, "bad_request"),
    "single quotes": ("{'name': 'a'}", 400, "bad_request"),
    "a NUL byte outside strings": ('{"name":\x00 "a"}', 400, "bad_request"),
}

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def api_writes(app) -> list[tuple[str, str]]:
    """(method, path) of every API write, each path parameter filled with 1."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<[^>]+>", "1", rule.rule)
        found += [(method, path) for method in sorted(rule.methods & set(WRITE_METHODS))]
    return sorted(found)


@pytest.fixture
def coordinator(login_as):
    """A coordinator's session and its CSRF header: the caller who may send every write."""
    c = login_as("coordinator")
    return c, {"X-CSRFToken": meta_csrf(c)}


def test_every_write_of_the_api_is_covered(app):
    writes = api_writes(app)
    assert ("POST", "/api/v1/tokens") in writes and ("POST", "/api/v1/polls/1/votes") in writes
    assert len(writes) >= 20  # the crawl found the API, not a fraction of it


@pytest.mark.parametrize("label", CORPUS)
def test_every_write_refuses_the_hostile_body_and_writes_nothing(app, coordinator, label):
    body, status, code = CORPUS[label]
    c, csrf = coordinator
    before = snapshot()

    for method, path in api_writes(app):
        response = c.open(path, method=method, data=body, content_type="application/json", headers=csrf)

        assert (response.status_code, response.json["error"]["code"]) == (status, code), (method, path)
        assert response.json["ok"] is False
        assert response.json["error"]["message"]  # a sentence for people, in the caller's language
    assert snapshot() == before


def test_the_refusal_is_in_chinese_by_default_and_in_english_on_request(app, coordinator):
    c, csrf = coordinator
    deep = "[" * 5000 + "]" * 5000

    zh = c.post("/api/v1/tokens", data=deep, content_type="application/json", headers=csrf)
    en = c.post("/api/v1/tokens", data=deep, content_type="application/json",
                headers={**csrf, "Accept-Language": "en"})

    assert zh.json["error"]["message"] == "请求内容的嵌套超过 32 层。"
    assert en.json["error"]["message"] == "The request body nests more than 32 levels deep."


def test_brackets_inside_strings_do_not_count_as_nesting(app, coordinator):
    c, csrf = coordinator
    name = "[{" * 30  # 60 characters of brackets, in a string: an odd token name, not a deep body

    response = c.post("/api/v1/tokens", json={"name": name}, headers=csrf)

    assert response.status_code == 201, response.json
    assert response.json["data"]["name"] == name


def test_a_body_at_the_depth_limit_reaches_the_schema(app, coordinator):
    c, csrf = coordinator
    nested = "[" * MAX_DEPTH + "]" * MAX_DEPTH

    response = c.post("/api/v1/tokens", data=nested, content_type="application/json", headers=csrf)

    assert response.status_code == 422  # parsed, then refused by the schema: not a JSON object
    assert response.json["error"]["code"] == "validation_failed"


@pytest.mark.live_server
def test_a_chunked_body_without_content_length_stops_at_the_limit(live_server):
    """Against the real server: a body sent in chunks has no Content-Length to refuse it by."""
    limit = 256 * 1024  # API_MAX_BODY_BYTES's default, which the live server runs with

    def chunks():
        yield b'{"name": "'
        for _ in range(limit // 4096 + 2):
            yield b"x" * 4096
        yield b'"}'

    response = requests.post(f"{live_server.url}/api/v1/tokens", data=chunks(),
                             headers={"Content-Type": "application/json"}, timeout=30)

    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"


def test_an_empty_json_body_is_left_to_the_schema(app, coordinator):
    c, csrf = coordinator

    response = c.post("/api/v1/tokens", data="", content_type="application/json", headers=csrf)

    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_failed"
