"""Garbage-collector settings for Gauntlet's long-running processes (serve, api, worker).

A run keeps every step's record until its report is written, so a long suite adds some
hundred thousand objects to the heap, and CPython then ran full collections again and
again, each a pass over every object of the process (the API's, the ORM's, pydantic's
schemas): 13 pauses of 125-280 ms, 2.5 s in all, on the runner's thread during
bench/runs.py (a) with 8,000-step suites. Two standard knobs: freeze what start-up made
(modules, routes, schemas: they live as long as the process, so scanning them again
only costs time), and ask for a full collection after 100 middle-generation
collections instead of 10.
Same benchmark: one full collection of 60 ms; median ratio 0.71 -> 0.75.
"""

from __future__ import annotations

import gc

# Middle-generation collections between two full ones (CPython's default is 10).
FULL_COLLECTION_EVERY = 100


def tune_for_long_running() -> None:
    """Call once, after start-up work and before serving."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
