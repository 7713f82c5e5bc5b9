"""Shared request-model base: unknown fields are an error that names them."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
