"""Names for the codes the product stores (channels and languages), so no page shows a raw code.

Each is a message id (`N_`), translated where it is shown; `channel_label` falls back to the code itself
only for a channel nobody has named (a code an import brought in).
"""

from __future__ import annotations

from tajriba.i18n import N_, _

# the channels a touchpoint can be on
CHANNELS = {
    "web": N_("Website"),
    "app": N_("Mobile app"),
    "store": N_("Store"),
    "call_centre": N_("Call centre"),
    "whatsapp": N_("WhatsApp"),
    "chat": N_("Live chat"),
    "social": N_("Social media"),
    "email": N_("Email"),
    "sms": N_("SMS"),
    "delivery": N_("Delivery"),
    "print": N_("Printed ad"),
    "tv": N_("TV"),
    "radio": N_("Radio"),
    "word_of_mouth": N_("Word of mouth"),
    "partner": N_("Partner"),
    "other": N_("Other"),
}

# further channels data arrives on: survey invitations and links, notifications, social networks
OTHER_CHANNELS = {
    "link": N_("Survey link"),
    "qr": N_("QR code"),
    "in_app": N_("In the app"),
    "call": N_("Phone call"),
    "phone": N_("Phone"),
    "twitter": N_("X (Twitter)"),
    "instagram": N_("Instagram"),
    "tiktok": N_("TikTok"),
    "snapchat": N_("Snapchat"),
    "facebook": N_("Facebook"),
    "google": N_("Google reviews"),
    "review": N_("Reviews"),
    "api": N_("API"),
    "import": N_("Import"),
}
LANGUAGES = {"ar": N_("Arabic"), "fa": N_("Persian"), "en": N_("English"), "other": N_("Other")}


def channel_label(code: object) -> str:
    """A channel's name in the current language (the code itself when no name is known)."""
    text = str(code or "")
    name = CHANNELS.get(text) or OTHER_CHANNELS.get(text)
    return _(name) if name else text


def language_label(code: object) -> str:
    text = str(code or "")
    return _(LANGUAGES[text]) if text in LANGUAGES else text
