"""Messages to the person who asked: by e-mail (the configured SMTP server) or by SMS (the messaging gateway),
in their language."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr

from tajriba import mail
from tajriba.config import Settings
from tajriba.models import Workspace


def send(
    settings: Settings, workspace: Workspace, *, to: str, subject: str, text: str, language: str
) -> None:
    """E-mail when `to` is an address, SMS otherwise (raises when neither is configured)."""
    if "@" not in to:
        mail.send_message(settings, channel="sms", to=to, text=text, reference={"privacy": workspace.id})
        return
    message = EmailMessage()
    message["Subject"], message["To"] = subject, to
    message["From"] = formataddr((workspace.name, settings.mail_from))
    message.set_content(text + "\n")
    message["Content-Language"] = language  # after set_content, which replaces the Content-* headers
    with mail.Mailer(settings) as mailer:
        mailer.send(message)
