"""What the text API reads: texts to analyse."""

from __future__ import annotations

from pydantic import BaseModel, Field

MAX_TEXTS = 1000


class AnalyzeIn(BaseModel):
    text: str | None = Field(None, description="One text; or use texts")
    texts: list[str] | None = Field(None, description=f"Up to {MAX_TEXTS} texts, answered in order")
