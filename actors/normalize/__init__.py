"""Normalization: accept what a run observed as the suites' new baseline, and mark as
noise what varies between identical calls.

Modules, from the outside in: :mod:`suite_update` normalizes one suite against one
report; :mod:`resend` re-sends a step's request; :mod:`noise_detect` (with
:mod:`variance` and :mod:`patterns`) finds noise; :mod:`expectations` proposes each new
assertion (with :mod:`schema_widen` for schemas); :mod:`guard` refuses any that would
weaken a check silently; :mod:`changes` is what gets reported.
"""

from actors.normalize.changes import Change
from actors.normalize.resend import SAFE_METHODS, Samples, resend
from actors.normalize.suite_update import SuiteNormalization, normalize_suite

__all__ = ["SAFE_METHODS", "Change", "Samples", "SuiteNormalization", "normalize_suite", "resend"]
