"""Load tests: Locust users built from suites, load shapes, the driver process and its
JSON-lines protocol.

Two sides, never mixed in one process:

- the parent (API or Dramatiq worker): :mod:`loadgen.config` (``LoadConfig`` and the
  protocol lines), :mod:`loadgen.process` (``LoadDriver``), :mod:`loadgen.worker`
  (``run_worker`` for ``gauntlet loadgen-worker``), :mod:`loadgen.rendezvous` (tickets in
  Redis), :mod:`loadgen.lifeline`; none of them imports Locust or gevent;
- the driver and worker processes: :mod:`loadgen.driver` (entry point), ``session``,
  ``users``, ``shapes``, ``distributed`` (master and worker runners), ``team`` (local
  and remote workers), ``guard`` (the host policy at connect time), which import Locust
  and so patch the standard library with gevent.

Nothing is re-exported here on purpose: this package is imported before anything else in
the driver process, and Locust must be imported there before ``ssl`` and friends.
"""
