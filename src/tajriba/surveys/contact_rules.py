"""A workspace's contact rules: the channels, how often a customer may be asked (fatigue days), quiet hours
in the workspace's time zone, and each channel's daily limit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.models import Workspace

CHANNELS = ("email", "sms", "whatsapp", "link")


ASKED = ("scheduled", "sent", "completed")


@dataclass(frozen=True)
class Rules:
    fatigue_days: int = 30
    quiet_start: time = time(21, 0)
    quiet_end: time = time(9, 0)
    limits: dict[str, int] = field(default_factory=lambda: {"email": 5000, "sms": 1000, "whatsapp": 1000})

    @classmethod
    def of(cls, workspace: Workspace) -> Rules:
        raw = dict((workspace.settings or {}).get("surveys") or {})
        return cls.parse(raw)

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Rules:
        out: dict[str, Any] = {}
        if "fatigue_days" in raw:
            try:
                out["fatigue_days"] = int(raw["fatigue_days"])
            except (TypeError, ValueError):
                raise Invalid(_("fatigue_days: a whole number of days."), field="fatigue_days") from None
            if not 0 <= out["fatigue_days"] <= 365:
                raise Invalid(_("fatigue_days: 0 to 365 days."), field="fatigue_days")
        for name in ("quiet_start", "quiet_end"):
            if name in raw:
                try:
                    out[name] = time.fromisoformat(str(raw[name]))
                except ValueError:
                    raise Invalid(_("{name}: a time such as 21:00.").format(name=name), field=name) from None
        if "limits" in raw:
            limits = raw["limits"]
            if not isinstance(limits, dict) or any(k not in CHANNELS for k in limits):
                raise Invalid(_("limits: a number per channel (email, sms, whatsapp)."), field="limits")
            try:
                out["limits"] = {str(k): int(v) for k, v in limits.items() if int(v) >= 0}
            except (TypeError, ValueError):
                raise Invalid(
                    _("limits: a number per channel (email, sms, whatsapp)."), field="limits"
                ) from None
        return cls(**out)

    def as_dict(self) -> dict[str, Any]:
        return {
            "fatigue_days": self.fatigue_days,
            "quiet_start": self.quiet_start.strftime("%H:%M"),
            "quiet_end": self.quiet_end.strftime("%H:%M"),
            "limits": dict(self.limits),
        }

    def quiet(self, local: datetime) -> bool:
        t = local.time()
        if self.quiet_start == self.quiet_end:
            return False
        if self.quiet_start < self.quiet_end:
            return self.quiet_start <= t < self.quiet_end
        return t >= self.quiet_start or t < self.quiet_end

    def after_quiet(self, local: datetime) -> datetime:
        """`local` itself, or the end of the quiet hours it falls in."""
        if not self.quiet(local):
            return local
        end = local.replace(hour=self.quiet_end.hour, minute=self.quiet_end.minute, second=0, microsecond=0)
        return end if end > local else end + timedelta(days=1)


def set_rules(session: Session, *, workspace: Workspace, rules: Rules, actor: Auditor) -> Rules:
    """Make `rules` the workspace's sending rules (fatigue, quiet hours, daily limits), audited."""
    settings = dict(workspace.settings or {})
    settings["surveys"] = rules.as_dict()
    workspace.settings = settings
    actor.audit(session, "survey.rules", details=rules.as_dict())
    return rules
