"""The step runner: templating, requests to untrusted targets, assertions, extraction,
and running suites. The judging parts (templating, prepare, assertions, extract) are
pure and shared with the Locust users; the target client is the only part that does I/O.
"""

from runner.assertions import evaluate, evaluate_all, status_matches
from runner.auth import (
    AnyAuth,
    BasicAuth,
    BearerAuth,
    HeaderAuth,
    QueryAuth,
    TargetAuth,
    parse_auth,
)
from runner.errors import TargetError, TargetErrorKind
from runner.execute import Client, run_suite, run_suites
from runner.explain import explain
from runner.extract import Extraction, ExtractionError, extract_all, extract_value
from runner.hostpolicy import DEFAULT_DENIED, HostPolicy, TargetDenied
from runner.masking import MASK, Masker
from runner.noise import Noise, parse_noise
from runner.observed import ObservedResponse
from runner.prepare import OutgoingRequest, build_request
from runner.results import (
    AssertionResult,
    RecordedRequest,
    RecordedResponse,
    StepResult,
    SuiteCounts,
    SuiteResult,
)
from runner.target import TargetClient
from runner.templating import TemplateError, render

__all__ = [
    "DEFAULT_DENIED",
    "MASK",
    "AnyAuth",
    "AssertionResult",
    "BasicAuth",
    "BearerAuth",
    "Client",
    "Extraction",
    "ExtractionError",
    "HeaderAuth",
    "HostPolicy",
    "Masker",
    "Noise",
    "ObservedResponse",
    "OutgoingRequest",
    "QueryAuth",
    "RecordedRequest",
    "RecordedResponse",
    "StepResult",
    "SuiteCounts",
    "SuiteResult",
    "TargetAuth",
    "TargetClient",
    "TargetDenied",
    "TargetError",
    "TargetErrorKind",
    "TemplateError",
    "build_request",
    "evaluate",
    "evaluate_all",
    "explain",
    "extract_all",
    "extract_value",
    "parse_auth",
    "parse_noise",
    "render",
    "run_suite",
    "run_suites",
    "status_matches",
]
