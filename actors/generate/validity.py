"""Checking generated and documented values against their own schema, so that a
positive case never sends an example the document itself contradicts."""

from __future__ import annotations

import random
from typing import Any

from jsonschema.protocols import Validator

from actors.generate._coerce import MISSING
from actors.generate.jsonschema import SchemaConverter
from actors.generate.operations import Operation
from actors.generate.values import ValueGenerator
from runner import schema_validator


class BodyChecker:
    """Validates request values; one compiled validator per schema object."""

    def __init__(self, converter: SchemaConverter) -> None:
        self.converter = converter
        self._validators: dict[int, tuple[Any, Validator | None]] = {}

    def is_valid(self, schema: Any, value: Any) -> bool:
        """Whether ``value`` satisfies ``schema`` (True when it cannot be checked)."""
        cached = self._validators.get(id(schema))
        if cached is None or cached[0] is not schema:
            try:
                # Formats too: a validating API refuses a malformed uuid or date that
                # an example of the document itself carries.
                validator: Validator | None = schema_validator(
                    self.converter.convert(schema, "request"), formats=True
                )
            except Exception:  # an uncheckable schema checks nothing
                validator = None
            # The schema is kept alongside so its id cannot be reused by another object.
            cached = (schema, validator)
            self._validators[id(schema)] = cached
        validator = cached[1]
        if validator is None:
            return True
        try:
            return bool(validator.is_valid(value))
        except Exception:  # e.g. a pattern that timed out: it cannot tell
            return True

    def body_value(self, op: Operation, gen: ValueGenerator, rng: random.Random) -> Any:
        """A request body for ``op``: the documented example when it is valid, else a
        generated one using property examples, else one ignoring every example."""
        assert op.body is not None
        schema = op.body.schema
        if op.body.example is not MISSING and self.is_valid(schema, op.body.example):
            return op.body.example
        value = gen.valid(schema, rng, name="body")
        if self.is_valid(schema, value):
            return value
        return gen.valid(schema, rng, name="body", use_examples=False)
