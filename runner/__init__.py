"""The step runner as a library: the suite model, templating, assertions, extraction,
masking, the guarded client for untrusted targets, and running suites.

It is what the API validates suites with, what jobs execute and what Locust users
replay, so it sits below all three. The judging parts (templating, prepare, assertions,
extract) are pure and shared with the Locust users; the target client is the only part
that does I/O. Callers outside this package import from here, not from its modules.
"""

from runner.assertions import evaluate, evaluate_all, not_json_reason, status_matches
from runner.auth import (
    AnyAuth,
    BasicAuth,
    BearerAuth,
    HeaderAuth,
    QueryAuth,
    TargetAuth,
    auth_headers,
    auth_query,
    origin,
    parse_auth,
    same_origin,
    secret_names,
    secrets_of,
)
from runner.bounded_regex import RegexRefused, RegexTimeout
from runner.bounded_regex import check as check_regex
from runner.bounded_regex import search as regex_search
from runner.compare import is_number, json_equal, json_type, show
from runner.errors import TargetError, TargetErrorKind
from runner.execute import Client, run_suite, run_suites
from runner.explain import explain
from runner.extract import Extraction, ExtractionError, extract_all, extract_value
from runner.hostpolicy import (
    DEFAULT_ALLOWED,
    DEFAULT_DENIED,
    HostPolicy,
    TargetDenied,
    denied_hosts,
)
from runner.jsonpath import JsonPath, JsonPathError, format_parts
from runner.jsonpath import parse as parse_json_path
from runner.masking import MASK, Masker, userinfo_secrets, without_userinfo
from runner.noise import Noise, parse_noise
from runner.observed import ObservedResponse
from runner.prepare import (
    OutgoingRequest,
    add_query,
    build_request,
    is_templated,
    join_url,
    render_assertions,
)
from runner.results import (
    AssertionResult,
    RecordedRequest,
    RecordedResponse,
    StepResult,
    SuiteCounts,
    SuiteResult,
)
from runner.schemas import meta_checks_shared as schema_checks_shared
from runner.schemas import refusal as schema_refusal
from runner.schemas import unusable as unusable_schema_reason
from runner.schemas import validator_for as schema_validator
from runner.suite import (
    STORED_SUITE,
    AnyAssertion,
    BodyAssertion,
    HeaderAssertion,
    JsonPathAssertion,
    LatencyAssertion,
    SchemaAssertion,
    StatusCodeAssertion,
    Step,
    Suite,
    suite_to_dict,
)
from runner.target import TargetClient
from runner.templating import TemplateError, placeholders, render

__all__ = [
    "DEFAULT_ALLOWED",
    "DEFAULT_DENIED",
    "MASK",
    "STORED_SUITE",
    "AnyAssertion",
    "AnyAuth",
    "AssertionResult",
    "BasicAuth",
    "BearerAuth",
    "BodyAssertion",
    "Client",
    "Extraction",
    "ExtractionError",
    "HeaderAssertion",
    "HeaderAuth",
    "HostPolicy",
    "JsonPath",
    "JsonPathAssertion",
    "JsonPathError",
    "LatencyAssertion",
    "Masker",
    "Noise",
    "ObservedResponse",
    "OutgoingRequest",
    "QueryAuth",
    "RecordedRequest",
    "RecordedResponse",
    "RegexRefused",
    "RegexTimeout",
    "SchemaAssertion",
    "StatusCodeAssertion",
    "Step",
    "StepResult",
    "Suite",
    "SuiteCounts",
    "SuiteResult",
    "TargetAuth",
    "TargetClient",
    "TargetDenied",
    "TargetError",
    "TargetErrorKind",
    "TemplateError",
    "add_query",
    "auth_headers",
    "auth_query",
    "build_request",
    "check_regex",
    "denied_hosts",
    "evaluate",
    "evaluate_all",
    "explain",
    "extract_all",
    "extract_value",
    "format_parts",
    "is_number",
    "is_templated",
    "join_url",
    "json_equal",
    "json_type",
    "not_json_reason",
    "origin",
    "parse_auth",
    "parse_json_path",
    "parse_noise",
    "placeholders",
    "regex_search",
    "render",
    "render_assertions",
    "run_suite",
    "run_suites",
    "same_origin",
    "schema_checks_shared",
    "schema_refusal",
    "schema_validator",
    "secret_names",
    "secrets_of",
    "show",
    "status_matches",
    "suite_to_dict",
    "unusable_schema_reason",
    "userinfo_secrets",
    "without_userinfo",
]
