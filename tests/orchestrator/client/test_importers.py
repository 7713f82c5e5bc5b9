"""Postman and HAR importers: what maps to what, and that nothing is dropped silently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orchestrator.client.importers import ImportFailed, import_har, import_postman
from orchestrator.client.importers.script import translate
from runner import suite_to_dict

DATA = Path(__file__).parents[2] / "data"


@pytest.mark.parametrize(
    ("line", "assertion"),
    [
        ("pm.response.to.have.status(201);", {"type": "status_code", "expected": 201}),
        ("pm.expect(pm.response.code).to.eql(204);", {"type": "status_code", "expected": 204}),
        (
            "pm.expect(pm.response.code).to.be.oneOf([200, 201]);",
            {"type": "status_code", "expected": [200, 201]},
        ),
        ("pm.response.to.be.ok", {"type": "status_code", "expected": 200}),
        ("pm.response.to.be.success;", {"type": "status_code", "expected": "2xx"}),
        ("pm.response.to.be.notFound;", {"type": "status_code", "expected": 404}),
        (
            "pm.response.to.be.json;",
            {"type": "header", "name": "content-type", "op": "contains", "expected": "json"},
        ),
        (
            'pm.response.to.have.header("X-Trace");',
            {"type": "header", "name": "X-Trace", "op": "exists"},
        ),
        (
            "pm.response.to.have.header('X-Trace', 'abc');",
            {"type": "header", "name": "X-Trace", "op": "eq", "expected": "abc"},
        ),
        (
            'pm.expect(pm.response.headers.get("Content-Type")).to.include("json");',
            {"type": "header", "name": "Content-Type", "op": "contains", "expected": "json"},
        ),
        (
            "pm.expect(pm.response.responseTime).to.be.below(200);",
            {"type": "latency_ms", "op": "lt", "expected": 200.0},
        ),
        (
            'pm.expect(pm.response.text()).to.include("rex");',
            {"type": "body", "op": "contains", "expected": "rex"},
        ),
        (
            'pm.expect(pm.response.json().name).to.eql("rex");',
            {"type": "json_path", "path": "$.name", "op": "eq", "expected": "rex"},
        ),
        (
            "pm.expect(pm.response.json().items[0]['id']).to.exist;",
            {"type": "json_path", "path": "$.items[0]['id']", "op": "exists"},
        ),
        (
            'pm.expect(pm.response.json().tags).to.be.an("array");',
            {"type": "json_path", "path": "$.tags", "op": "type", "expected": "array"},
        ),
        (
            "pm.expect(pm.response.json().count).to.be.above(2);",
            {"type": "json_path", "path": "$.count", "op": "gt", "expected": 2.0},
        ),
        (
            'pm.expect(pm.response.json().id).to.eql(pm.environment.get("petId"));',
            {"type": "json_path", "path": "$.id", "op": "eq", "expected": "{{petId}}"},
        ),
        (
            'pm.test("ok", () => pm.response.to.have.status(200));',
            {"type": "status_code", "expected": 200},
        ),
    ],
)
def test_common_test_script_lines_become_assertions(line: str, assertion: dict[str, Any]) -> None:
    mapped = translate([line])
    assert mapped.unmapped == [] and mapped.assertions == [assertion]


def test_script_structure_is_skipped_and_aliases_are_followed() -> None:
    mapped = translate(
        [
            "// a comment",
            'pm.test("Status", function () {',
            "    var data = pm.response.json();",
            "    pm.expect(data.owner.name).to.equal('ann');",
            "});",
            'pm.collectionVariables.set("petId", data.id);',
            'pm.environment.set("trace", pm.response.headers.get("X-Trace"));',
            'pm.globals.set("code", pm.response.code);',
        ]
    )
    assert mapped.unmapped == []
    assert mapped.assertions == [
        {"type": "json_path", "path": "$.owner.name", "op": "eq", "expected": "ann"}
    ]
    assert mapped.extract == {"petId": "$.id", "trace": "header:X-Trace", "code": "status"}


def test_what_a_script_does_beyond_checks_is_reported() -> None:
    lines = [
        "pm.sendRequest('http://x', () => {});",
        'console.log("hi");',
        "pm.expect(pm.response.json().tags).to.have.lengthOf(2);",
        "if (x) { postman.setNextRequest(null); }",
    ]
    assert translate(lines).unmapped == lines


def collection(*items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "info": {
            "name": "c",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "item": list(items),
        **extra,
    }


def test_postman_request_parts_are_carried_over() -> None:
    imported = import_postman(
        collection(
            {
                "name": "create",
                "request": {
                    "method": "post",
                    "header": [
                        {"key": "X-A", "value": "{{$guid}}"},
                        {"key": "X-Off", "value": "1", "disabled": True},
                    ],
                    "url": {
                        "raw": "{{host}}/pets/:kind?tag=a&tag=b&off=1",
                        "host": ["{{host}}"],
                        "path": ["pets", ":kind"],
                        "query": [
                            {"key": "tag", "value": "a"},
                            {"key": "tag", "value": "b"},
                            {"key": "off", "value": "1", "disabled": True},
                        ],
                        "variable": [{"key": "kind", "value": "dog"}],
                    },
                    "body": {
                        "mode": "raw",
                        "raw": '{"id": {{id}}, "name": "{{$randomFullName}}"}',
                        "options": {"raw": {"language": "json"}},
                    },
                },
            },
            variable=[
                {"key": "host", "value": "https://api.example.com/v1"},
                {"key": "id", "value": 7},
            ],
        )
    )

    (suite,) = imported.suites
    step = suite_to_dict(suite)["steps"][0]
    assert step["request"]["method"] == "POST" and step["request"]["path"] == "/pets/{{kind}}"
    assert step["request"]["query"] == {"tag": ["a", "b"]}
    assert step["request"]["headers"] == {"X-A": "{{$uuid}}"}
    assert step["request"]["body"] == {"id": "{{id}}", "name": "{{$randomFullName}}"}
    assert suite.variables == {"id": 7, "kind": "dog"}
    assert dict(imported.base_urls) == {"https://api.example.com/v1": 1}
    assert imported.notes == ["c > create: dynamic variable $randomFullName has no equivalent"]


def test_postman_bodies_of_every_mode() -> None:
    def body_of(body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        imported = import_postman(
            collection(
                {
                    "name": "r",
                    "request": {"method": "POST", "url": "https://x.test/a", "body": body},
                }
            )
        )
        return suite_to_dict(imported.suites[0])["steps"][0]["request"], imported.notes

    form, _ = body_of({"mode": "urlencoded", "urlencoded": [{"key": "a", "value": "1"}]})
    assert (
        form["body"] == {"a": "1"} and form["content_type"] == "application/x-www-form-urlencoded"
    )
    graphql, _ = body_of(
        {"mode": "graphql", "graphql": {"query": "{ pets { id } }", "variables": '{"n": 1}'}}
    )
    assert graphql["body"] == {"query": "{ pets { id } }", "variables": {"n": 1}}
    text, notes = body_of({"mode": "raw", "raw": "hello", "options": {"raw": {"language": "text"}}})
    assert text["body"] == "hello" and text["content_type"] == "text/plain" and notes == []
    _, notes = body_of({"mode": "file", "file": {"src": "/etc/passwd"}})
    assert notes == ["c > r: file body left out"]


def test_postman_literal_secrets_never_reach_suite_files() -> None:
    imported = import_postman(
        collection(
            {
                "name": "key",
                "request": {
                    "method": "GET",
                    "url": "https://x.test/a",
                    "auth": {
                        "type": "apikey",
                        "apikey": [
                            {"key": "key", "value": "X-Key"},
                            {"key": "value", "value": "s3cret"},
                        ],
                    },
                },
            },
            {
                "name": "basic",
                "request": {
                    "method": "GET",
                    "url": "https://x.test/b",
                    "auth": {
                        "type": "basic",
                        "basic": [
                            {"key": "username", "value": "ann"},
                            {"key": "password", "value": "pw-s3cret"},
                        ],
                    },
                },
            },
            {
                "name": "oauth",
                "request": {"method": "GET", "url": "https://x.test/c", "auth": {"type": "oauth2"}},
            },
            {
                "name": "var",
                "request": {
                    "method": "GET",
                    "url": "https://x.test/d",
                    "auth": {
                        "type": "apikey",
                        "apikey": [
                            {"key": "key", "value": "k"},
                            {"key": "value", "value": "{{k}}"},
                            {"key": "in", "value": "query"},
                        ],
                    },
                },
            },
        )
    )

    text = json.dumps([suite_to_dict(s) for s in imported.suites])
    assert "s3cret" not in text
    steps = {s["name"]: s for s in suite_to_dict(imported.suites[0])["steps"]}
    assert steps["var"]["request"]["query"] == {"k": "{{k}}"}
    assert [n.split(": ", 1)[1][:30] for n in imported.notes] == [
        "literal API key X-Key left out",
        "literal basic auth password le",
        "oauth2 auth not mapped: set th",
    ]


def test_not_a_collection_is_refused() -> None:
    for document in (
        [],
        {"info": {}},
        {"item": [], "info": {"schema": "https://schema.getpostman.com/json/collection/v1/"}},
    ):
        with pytest.raises(ImportFailed):
            import_postman(document)


def har(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"log": {"version": "1.2", "entries": list(entries)}}


def entry(
    method: str,
    url: str,
    status: int = 200,
    *,
    mime: str = "application/json",
    body: str = "",
    headers: dict[str, str] | None = None,
    post: dict[str, Any] | None = None,
    at: int = 0,
    redirect: str = "",
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": method,
        "url": url,
        "headers": [{"name": k, "value": v} for k, v in (headers or {}).items()],
    }
    if post:
        request["postData"] = post
    return {
        "startedDateTime": f"2024-01-01T00:00:{at:02d}.000Z",
        "request": request,
        "response": {
            "status": status,
            "redirectURL": redirect,
            "content": {"mimeType": mime, "text": body},
        },
    }


def test_har_follows_ids_from_answers_into_later_requests() -> None:
    imported = import_har(
        har(
            entry(
                "POST",
                "https://api.test/pets",
                201,
                body='{"id": 41, "owner": {"token": "abcdefghijklmnop"}}',
                post={"mimeType": "application/json", "text": '{"name": "rex"}'},
                at=1,
            ),
            entry("GET", "https://api.test/pets/41?owner=abcdefghijklmnop", at=2),
            entry(
                "PUT",
                "https://api.test/pets/41",
                post={"mimeType": "application/json", "text": '{"id": 41, "name": "max"}'},
                at=3,
            ),
        ),
        title="session",
    )

    steps = suite_to_dict(imported.suites[0])["steps"]
    assert steps[0]["extract"] == {"id_1": "$.id", "token_1": "$.owner.token"}
    assert steps[1]["request"]["path"] == "/pets/{{id_1}}"
    assert steps[1]["request"]["query"] == {"owner": "{{token_1}}"}
    assert steps[2]["request"]["body"] == {"id": "{{id_1}}", "name": "max"}
    assert [s["assertions"] for s in steps] == [
        [{"type": "status_code", "expected": c}] for c in (201, 200, 200)
    ]


def test_har_leaves_out_what_a_replay_must_not_send_and_says_so() -> None:
    imported = import_har(
        har(
            entry(
                "GET",
                "https://app.test/",
                mime="text/html",
                at=1,
                headers={
                    "User-Agent": "Chrome",
                    "Cookie": "sid=s3cret",
                    ":authority": "app.test",
                    "X-Tenant": "a",
                },
            ),
            entry("GET", "https://app.test/app.js", mime="application/javascript", at=2),
            entry("GET", "https://app.test/logo.png", mime="image/png", at=3),
            entry("GET", "data:image/png;base64,AAAA", at=4),
            entry("GET", "https://app.test/blocked", 0, at=5),
            entry("GET", "https://api.test/me", headers={"Authorization": "Bearer s3cret"}, at=6),
        )
    )

    assert "s3cret" not in json.dumps([suite_to_dict(s) for s in imported.suites])
    assert [s.name for s in imported.suites] == ["har https://app.test", "har https://api.test"]
    assert suite_to_dict(imported.suites[0])["steps"][0]["request"]["headers"] == {"X-Tenant": "a"}
    assert imported.notes == [
        "GET https://app.test/: cookie header left out: set the app's auth instead",
        "GET https://app.test/blocked: left out: no answer was recorded (blocked or failed)",
        "GET https://api.test/me: authorization header left out: set the app's auth instead",
        "left out 1 request(s): data: URLs",
        "left out 2 request(s): static assets (images, styles, scripts, fonts)",
        "browser-managed headers left out: user-agent",
    ]


def test_har_redirect_is_one_step_expecting_the_final_status() -> None:
    imported = import_har(
        har(
            entry("GET", "https://a.test/old", 302, redirect="/new", at=1),
            entry("GET", "https://a.test/new", 200, at=2),
        )
    )

    (step,) = suite_to_dict(imported.suites[0])["steps"]
    assert step["request"]["path"] == "/old" and step["assertions"][0]["expected"] == 200
    assert imported.notes == [
        "GET https://a.test/old: redirect to /new followed: the step expects 200"
    ]


def test_committed_recording_imports_as_one_suite() -> None:
    imported = import_har(
        json.loads((DATA / "har" / "pets-chromium.har").read_text()), title="pets"
    )

    (suite,) = imported.suites
    assert [s.name for s in suite.steps] == [
        "GET /health",
        "GET /pets",
        "POST /pets",
        "GET /pets/{{id_3}}",
        "DELETE /pets/{{id_3}}",
        "GET /pets/{{id_3}}",
    ]


def test_not_a_har_is_refused() -> None:
    for document in ({}, {"log": {}}, []):
        with pytest.raises(ImportFailed):
            import_har(document)
