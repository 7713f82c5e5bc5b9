"""The step runner: templating, requests to untrusted targets, assertions, extraction,
and running suites. The judging parts (templating, prepare, assertions, extract) are
pure and shared with the Locust users; the target client is the only part that does I/O.
"""

from actors.runner.assertions import evaluate, evaluate_all, status_matches
from actors.runner.auth import (
    AnyAuth,
    BasicAuth,
    BearerAuth,
    HeaderAuth,
    QueryAuth,
    TargetAuth,
    parse_auth,
)
from actors.runner.errors import TargetError, TargetErrorKind
from actors.runner.execute import Client, run_suite, run_suites
from actors.runner.explain import explain
from actors.runner.extract import Extraction, ExtractionError, extract_all, extract_value
from actors.runner.hostpolicy import DEFAULT_DENIED, HostPolicy, TargetDenied
from actors.runner.masking import MASK, Masker
from actors.runner.noise import Noise, parse_noise
from actors.runner.observed import ObservedResponse
from actors.runner.prepare import OutgoingRequest, build_request
from actors.runner.results import (
    AssertionResult,
    RecordedRequest,
    RecordedResponse,
    StepResult,
    SuiteCounts,
    SuiteResult,
)
from actors.runner.target import TargetClient
from actors.runner.templating import TemplateError, render

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
