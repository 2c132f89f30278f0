"""What a customer's text does: the intents the pipeline recognises, and their names on pages."""

from __future__ import annotations

from typing import Literal, get_args

from tajriba.i18n import N_

Intent = Literal[
    "complaint",
    "praise",
    "question",
    "request_refund",
    "request_cancel",
    "request_change",
    "request_contact",
    "suggestion",
]
INTENTS: tuple[str, ...] = get_args(Intent)
REQUESTS = ("request_refund", "request_cancel", "request_change", "request_contact")
INTENT_NAMES = {
    "complaint": N_("Complaint"),
    "praise": N_("Praise"),
    "question": N_("Question"),
    "request_refund": N_("Asks for a refund"),
    "request_cancel": N_("Asks to cancel"),
    "request_change": N_("Asks for a change"),
    "request_contact": N_("Asks to be contacted"),
    "suggestion": N_("Suggestion"),
}
