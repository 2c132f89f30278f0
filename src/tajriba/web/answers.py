"""The base of every JSON answer model: a field the model does not name is an error in the tests, never an
answer silently cut short (FastAPI would otherwise drop it)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")
