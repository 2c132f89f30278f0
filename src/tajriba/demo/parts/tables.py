"""The tables the demo stores: every part's rows assembled, with consents."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tajriba.demo.catalog import TOUCHPOINTS
from tajriba.demo.world import DAYS, DemoData, World, _ts


class Tables(World):
    def result(self) -> DemoData:
        """Every part's rows as the tables the demo stores."""
        events = self._events_table()
        customers, identities = self._profiles_and_identities(events)
        responses = self.responses_df
        for col in ("started_at", "submitted_at"):
            responses[col] = _ts(responses[col].to_numpy(dtype=float))
        feedback = pd.DataFrame(self.fb)
        feedback["workspace_id"] = self.ws
        feedback["created_at"] = _ts(feedback["created_at"].to_numpy(dtype=float))
        feedback["tz"] = "Asia/Riyadh"
        return DemoData(
            customers,
            identities,
            events,
            self.orders_df,
            responses,
            feedback,
            self.tickets_df,
            self._consents(),
        )

    def _events_table(self) -> pd.DataFrame:
        """All events in time order (per customer), numbered as the tracking API would have received them."""
        parts = self.ev
        cust = np.concatenate([p["customer"] for p in parts])
        seconds = np.concatenate([p["seconds"] for p in parts])
        seconds = np.clip(seconds, 0, DAYS * 86400.0 - 1)
        tp = np.concatenate([p["tp"] for p in parts])
        event = np.concatenate([p["event"] for p in parts])
        channel = np.concatenate([p["channel"] for p in parts])
        props = np.concatenate([p["props"] for p in parts])
        order = np.lexsort((cust, seconds))
        cust, seconds, tp, event, channel, props = (
            a[order] for a in (cust, seconds, tp, event, channel, props)
        )
        n = cust.size
        page_paths = np.array([t.page_path for t in TOUCHPOINTS], dtype=object)[tp]
        return pd.DataFrame(
            {
                "workspace_id": self.ws,
                "message_id": [f"demo-{i:08d}" for i in range(n)],
                "customer_id": self.customer_ids[cust],
                "user_id": self.customers_df["external_id"].to_numpy()[cust],
                "type": np.where(event == "Page Viewed", "page", "track"),
                "event": event,
                "timestamp": _ts(seconds),
                "original_timestamp": _ts(seconds),
                "received_at": _ts(seconds + 0.35),
                "tz": "Asia/Riyadh",
                "touchpoint_id": self.tp_ids[tp],
                "channel": channel,
                "language": self.language[cust],
                "page_path": page_paths,
                "properties": props,
                "source": "demo",
            }
        )

    def _profiles_and_identities(self, events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Profiles with their last visit, and their identifiers (user id, email, phone) each claimed once."""
        last_seen = events.groupby("customer_id")["timestamp"].max()
        customers = self.customers_df.copy()
        customers["last_seen_at"] = customers["customer_id"].map(last_seen)
        identities = pd.concat(
            [
                pd.DataFrame(
                    {
                        "kind": "user_id",
                        "value": customers["external_id"],
                        "customer_id": customers["customer_id"],
                    }
                ),
                pd.DataFrame(
                    {"kind": "email", "value": customers["email"], "customer_id": customers["customer_id"]}
                ),
                pd.DataFrame(
                    {"kind": "phone", "value": customers["phone"], "customer_id": customers["customer_id"]}
                ),
            ]
        ).dropna(subset=["value"])
        identities = identities.drop_duplicates(subset=["kind", "value"])
        identities["workspace_id"] = self.ws
        identities["source"] = "demo"
        identities["first_seen_at"] = identities["customer_id"].map(
            customers.set_index("customer_id")["first_seen_at"]
        )
        return customers, identities

    def _consents(self) -> pd.DataFrame:
        """Marketing consents given at sign-up (newsletter readers), WhatsApp for some; a few withdraw later."""
        rng = self.rng
        n = self.n
        frames = []
        for purpose, given in (
            ("email_marketing", self.newsletter),
            ("whatsapp", rng.random(n) < 0.3),
            ("surveys", rng.random(n) < 0.6),
        ):
            idx = np.flatnonzero(given)
            at = self.first_seen[idx]
            frames.append(pd.DataFrame({"i": idx, "purpose": purpose, "granted": True, "seconds": at}))
            withdrawn = idx[rng.random(idx.size) < 0.08]
            later = self.first_seen[withdrawn] + rng.uniform(7, 180, withdrawn.size) * 86400
            frames.append(
                pd.DataFrame({"i": withdrawn, "purpose": purpose, "granted": False, "seconds": later})
            )
        df = pd.concat(frames, ignore_index=True)
        df["seconds"] = np.minimum(df["seconds"].to_numpy(), DAYS * 86400.0 - 1)
        return pd.DataFrame(
            {
                "workspace_id": self.ws,
                "consent_id": [f"demo-consent-{k}" for k in range(len(df))],
                "customer_id": self.customer_ids[df["i"].to_numpy()],
                "purpose": df["purpose"],
                "granted": df["granted"],
                "recorded_at": _ts(df["seconds"].to_numpy(dtype=float)),
                "source": np.where(df["purpose"] == "whatsapp", "whatsapp", "web"),
                "message_id": None,
                # a box ticked at sign-up (or a WhatsApp "yes"): an express grant under the notice of the day
                "lawful_basis": "consent",
                "explicit": df["granted"],
                "channel": np.where(df["purpose"] == "whatsapp", "whatsapp", "web"),
                "notice_version": "2025-01",
                "language": self.language[df["i"].to_numpy()],
                "tz": "Asia/Riyadh",
                "actor": "subject",
            }
        )
