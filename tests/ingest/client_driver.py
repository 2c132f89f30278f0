"""Run one real tracking client against a server: python client_driver.py LIB HOST KEY GZIP TIMEOUT PREFIX.

LIB is `segment` (whichever segment-analytics-python is importable) or `rudder`. Prints the library version.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone


def main() -> None:
    lib, host, key, gzip, timeout, prefix = sys.argv[1:7]
    errors: list[str] = []
    options = {
        "write_key": key,
        "host": host,
        "gzip": gzip == "1",
        "max_retries": 3,
        "timeout": float(timeout),
        "on_error": lambda e, batch: errors.append(repr(e)),
    }
    if lib == "segment":
        from segment.analytics.client import Client
        from segment.analytics.version import VERSION
    else:
        from rudderstack.analytics.client import Client
        from rudderstack.analytics.version import VERSION
    client = Client(**options)
    tehran = timezone(timedelta(hours=3, minutes=30))
    client.identify(
        "u1",
        {"name": "سارا احمدی", "email": "Sara@Example.com", "bio": "سلام\u200cدنیا 😊 ١٢٣"},
        message_id=f"{prefix}-identify",
    )
    client.track(
        "u1",
        "Order Completed",
        {"revenue": 12.5, "currency": "SAR", "note": "تم الدفع بنجاح ✅"},
        message_id=f"{prefix}-track",
        timestamp=datetime(2026, 11, 22, 12, 0, tzinfo=tehran),
    )
    client.page("u1", "Docs", "Home", {"path": "/ar/"}, message_id=f"{prefix}-page")
    client.screen("u1", "App", "Cart", {"items": 2}, message_id=f"{prefix}-screen")
    client.group("u1", "company-1", {"name": "شركة"}, message_id=f"{prefix}-group")
    client.alias("anon-1", "u1", message_id=f"{prefix}-alias")
    for i in range(250):
        client.track(
            anonymous_id=f"anon-{i % 7}",
            event="Product Viewed",
            properties={"i": i},
            message_id=f"{prefix}-bulk-{i}",
        )
    client.flush()
    client.join()
    print(VERSION)
    if errors:
        print("errors:", errors, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
