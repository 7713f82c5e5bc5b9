"""Prometheus metrics: the API's ``/metrics`` and HTTP counts (:mod:`.install`), job and
event metrics counted at the event store (:mod:`.events`), what a scrape returns and who
may scrape (:mod:`.scrape`), and the worker command's own ``/metrics`` (:mod:`.server`).
The metrics themselves are defined in :mod:`core.metrics`; docs/metrics.md lists them."""
