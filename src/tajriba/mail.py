"""Outgoing messages: mail over the operator's SMTP server and SMS/WhatsApp through their gateway.

Every domain that writes to customers or colleagues (survey invitations, case replies and alerts, scheduled
reports) sends through here; composing the message stays with the domain.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.request
from email.message import EmailMessage
from typing import Any

from tajriba.config import Settings
from tajriba.errors import Invalid
from tajriba.i18n import _


class Mailer:
    """One SMTP connection for a batch of mails (STARTTLS, SSL or plain, with optional login)."""

    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host:
            raise Invalid(_("No SMTP server is configured (TAJRIBA_SMTP_HOST)."), field="smtp_host")
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        s = self.settings
        assert s.smtp_host is not None
        if s.smtp_security == "ssl":
            self.smtp = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=30, context=ssl.create_default_context()
            )
        else:
            self.smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30)
            if s.smtp_security == "starttls":
                self.smtp.starttls(context=ssl.create_default_context())
        if s.smtp_username:
            self.smtp.login(s.smtp_username, s.smtp_password or "")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except smtplib.SMTPException:
                self.smtp.close()

    def send(self, message: EmailMessage) -> None:
        assert self.smtp is not None
        self.smtp.send_message(message)


def send_message(settings: Settings, *, channel: str, to: str, text: str, reference: dict[str, Any]) -> None:
    """SMS / WhatsApp through the configured gateway: POST {"channel", "to", "text", **reference} as JSON.

    The reference names what the message is about ({"invitation_id": 7}, {"case_id": 3}); 2xx = accepted.
    """
    if not settings.messaging_webhook_url:
        raise Invalid(
            _("No messaging gateway is configured (TAJRIBA_MESSAGING_WEBHOOK_URL)."), field="channel"
        )
    body = json.dumps({**reference, "channel": channel, "to": to, "text": text}).encode()
    request = urllib.request.Request(  # noqa: S310 - the operator's own gateway URL
        settings.messaging_webhook_url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    if settings.messaging_webhook_token:
        request.add_header("Authorization", f"Bearer {settings.messaging_webhook_token}")
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise OSError(f"gateway answered {response.status}")
