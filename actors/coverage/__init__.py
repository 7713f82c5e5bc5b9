"""Which documented operations and responses an app's suites and runs exercise."""

from actors.coverage.matching import PathMatcher
from actors.coverage.report import (
    CoverageReport,
    ObservedCall,
    OperationCoverage,
    OperationRef,
    compute_coverage,
)

__all__ = [
    "CoverageReport",
    "ObservedCall",
    "OperationCoverage",
    "OperationRef",
    "PathMatcher",
    "compute_coverage",
]
