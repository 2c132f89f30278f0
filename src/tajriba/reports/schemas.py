"""What the reports screen's forms send: a subscription to the summary by mail, and a shared link. The
service checks the values and says what is wrong in the reader's language; these models only read the form
into typed fields (a number that is no number is named by its field)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tajriba.errors import Invalid
from tajriba.i18n import _


class SubscriptionIn(BaseModel):
    email: str = Field("", max_length=320)
    frequency: str = ""
    locale: str = ""
    formats: list[str] = Field(default_factory=list, max_length=4)

    @classmethod
    def from_form(cls, form: Any) -> SubscriptionIn:
        return cls(
            email=str(form.get("email") or "").strip()[:320],
            frequency=str(form.get("frequency") or ""),
            locale=str(form.get("locale") or ""),
            formats=[str(f) for f in form.getlist("formats")][:4],
        )


class ShareIn(BaseModel):
    frequency: str = "weekly"
    days: int = 7

    @classmethod
    def from_form(cls, form: Any) -> ShareIn:
        raw = str(form.get("days") or "7").strip()
        if not raw.isdigit() or len(raw) > 4:
            raise Invalid(_("Enter the number of days the link lasts."), field="days")
        return cls(frequency=str(form.get("frequency") or "weekly"), days=int(raw))
