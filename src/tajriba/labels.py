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
    "in_person": N_("In person"),
    "letter": N_("Letter"),
    "agent": N_("Told to an agent"),
    "survey": N_("Survey"),
}
LANGUAGES = {"ar": N_("Arabic"), "fa": N_("Persian"), "en": N_("English"), "other": N_("Other")}


def channel_label(code: object) -> str:
    """A channel's name in the current language (the code itself when no name is known)."""
    text = str(code or "")
    name = CHANNELS.get(text) or OTHER_CHANNELS.get(text)
    return _(name) if name else text


def language_label(code: object) -> str:
    return _named(LANGUAGES, code)


SENTIMENTS = {
    "positive": N_("Positive"),
    "negative": N_("Negative"),
    "neutral": N_("Neutral"),
    "mixed": N_("Mixed"),
}

# the Segment e-commerce and lifecycle spec's event names, and the other events the demo and common
# platforms send; an event nobody named is shown as the code it is
EVENTS = {
    "Page Viewed": N_("Page viewed"),
    "Ad Clicked": N_("Ad clicked"),
    "Products Searched": N_("Products searched"),
    "Product Viewed": N_("Product viewed"),
    "Product Added": N_("Product added to cart"),
    "Product Removed": N_("Product removed from cart"),
    "Cart Viewed": N_("Cart viewed"),
    "Checkout Started": N_("Checkout started"),
    "Payment Info Entered": N_("Payment details entered"),
    "Payment Failed": N_("Payment failed"),
    "Order Completed": N_("Order completed"),
    "Order Updated": N_("Order updated"),
    "Order Cancelled": N_("Order cancelled"),
    "Order Refunded": N_("Order refunded"),
    "Shipment Tracked": N_("Shipment tracked"),
    "Order Delivered": N_("Order delivered"),
    "Return Requested": N_("Return requested"),
    "Support Call": N_("Support call"),
    "Support Chat Started": N_("Support chat started"),
    "Points Redeemed": N_("Loyalty points redeemed"),
    "Review Submitted": N_("Review submitted"),
    "Email Opened": N_("Email opened"),
    "Signed Up": N_("Signed up"),
    "Signed In": N_("Signed in"),
    "Coupon Applied": N_("Coupon applied"),
    "Retention Call": N_("Called to keep the customer"),
}
# traits most sources send, by their usual keys
TRAITS = {
    "name": N_("Name"),
    "email": N_("Email"),
    "phone": N_("Phone"),
    "city": N_("City"),
    "country": N_("Country"),
    "gender": N_("Gender"),
    "newsletter": N_("Newsletter"),
    "origin": N_("Origin"),
    "age": N_("Age"),
    "birthday": N_("Birthday"),
    "company": N_("Company"),
    "plan": N_("Plan"),
    "language": N_("Language"),
}
TRAIT_VALUES = {
    "female": N_("Female"),
    "male": N_("Male"),
    "gulf": N_("Gulf"),
    "egyptian": N_("Egyptian"),
    "persian": N_("Persian"),
    "english": N_("English-speaking"),
}


def _named(names: dict[str, str], code: object) -> str:
    """The name of a code in the current language, or the code itself when nobody named it."""
    text = str(code or "")
    return _(names[text]) if text in names else text


def sentiment_label(code: object) -> str:
    return _named(SENTIMENTS, code)


def event_label(name: object) -> str:
    return _named(EVENTS, name)


def is_named_event(name: object) -> bool:
    return str(name or "") in EVENTS


def trait_label(key: object) -> str:
    return _named(TRAITS, key)


def trait_value(value: object) -> str:
    """A trait's value in words: yes/no for true/false, a known code's name, else the value itself."""
    if isinstance(value, bool) or str(value).lower() in ("true", "false"):
        return _("Yes") if str(value).lower() == "true" else _("No")
    text = "" if value is None else str(value)
    return _(TRAIT_VALUES[text]) if text in TRAIT_VALUES else text


def country_label(code: object, locale: str | None = None) -> str:
    """A country's name in the reader's language (ISO 3166 code in, CLDR name out)."""
    from babel import Locale

    from tajriba.i18n import get_locale

    text = str(code or "").upper()
    try:
        return str(Locale.parse(locale or get_locale()).territories.get(text) or text)
    except (ValueError, TypeError):
        return text


# keys and values of the details a timeline shows (event properties, an order's or a ticket's state)
DETAIL_KEYS = {
    "status": N_("Status"),
    "currency": N_("Currency"),
    "items": N_("Items"),
    "category": N_("Category"),
    "complaint": N_("Complaint"),
    "order_id": N_("Order"),
    "product_id": N_("Product"),
    "product": N_("Product"),
    "price": N_("Price"),
    "revenue": N_("Revenue"),
    "total": N_("Total"),
    "quantity": N_("Quantity"),
    "query": N_("Search"),
    "coupon": N_("Coupon"),
    "reason": N_("Reason"),
    "points": N_("Points"),
    "rating": N_("Rating"),
    "campaign": N_("Campaign"),
    "url": N_("Address"),
    "path": N_("Page"),
    "title": N_("Title"),
    "days_late": N_("Days late"),
    "payment_method": N_("Payment method"),
}
DETAIL_VALUES = {
    "new": N_("New"),
    "open": N_("Open"),
    "pending": N_("Pending"),
    "solved": N_("Solved"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
    "completed": N_("Completed"),
    "delivered": N_("Delivered"),
    "shipped": N_("Shipped"),
    "returned": N_("Returned"),
    "cancelled": N_("Cancelled"),
    "refunded": N_("Refunded"),
    "paid": N_("Paid"),
    "failed": N_("Failed"),
    "delivery": N_("Delivery"),
    "returns": N_("Returns"),
    "payment": N_("Payment"),
    "product": N_("Product"),
    "account": N_("Account"),
    "app": N_("App"),
    "other": N_("Other"),
    "review": N_("Review"),
    "survey": N_("Survey comment"),
    "ticket": N_("Ticket"),
    "chat": N_("Chat"),
    "social": N_("Social post"),
    "email": N_("Email"),
}


def detail_key(key: object) -> str | None:
    text = str(key or "")
    return _(DETAIL_KEYS[text]) if text in DETAIL_KEYS else None


def detail_value(value: object) -> str | None:
    """A detail's value in words when the product knows it (yes/no, a status or category), else None."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    text = str(value) if isinstance(value, str) else ""
    return _(DETAIL_VALUES[text]) if text in DETAIL_VALUES else None


def json_pairs(text: object) -> list[tuple[str, object]] | None:
    """The top-level pairs of a JSON object text (None when it is not one)."""
    import orjson

    if not isinstance(text, str) or not text.startswith("{"):
        return None
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return (
        [(str(k), v) for k, v in data.items() if v not in (None, "", [], {})]
        if isinstance(data, dict)
        else None
    )


INVITATION_STATUSES = {
    "scheduled": N_("Scheduled"),
    "sent": N_("Sent"),
    "completed": N_("Answered"),
    "skipped": N_("Skipped"),
    "failed": N_("Failed"),
    "expired": N_("Expired"),
}
SKIP_REASONS = {
    "no_address": N_("no address"),
    "no_consent": N_("no consent"),
    "fatigue": N_("asked recently"),
    "survey_closed": N_("survey closed"),
}


def invitation_status(code: object) -> str:
    return _named(INVITATION_STATUSES, code)


def skip_reason(code: object) -> str:
    return _named(SKIP_REASONS, code)
