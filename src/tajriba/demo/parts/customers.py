"""Customers: who they are (origin, language, persona, city) and when they arrive."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tajriba.demo import people, texts
from tajriba.demo.world import ORIGINS, PERSONA_ACTIVITY, PERSONA_BY_ORIGIN, PERSONA_KEYS, World, _ts


class Customers(World):
    def customers(self) -> None:
        """Who the customers are, how to reach them, when they arrive, and the profiles table."""
        self.n = max(50, int(round(20_000 * self.scale)))
        origin, country = self._origins()
        email, phone, names = self._contacts(origin, country)
        self.customers_df = self._profiles(origin, country, names, email, phone)
        self.newsletter = np.array(['"newsletter":true' in t for t in self.customers_df["traits"]])

    def _origins(self) -> tuple[np.ndarray, np.ndarray]:
        """Origin, persona, language variety, country and city of each customer."""
        rng, n = self.rng, self.n
        origin = rng.choice(ORIGINS, size=n, p=[0.65, 0.17, 0.08, 0.10])
        persona = np.empty(n, dtype=object)
        for o, p in PERSONA_BY_ORIGIN.items():
            mask = origin == o
            persona[mask] = rng.choice(PERSONA_KEYS, size=int(mask.sum()), p=p)
        u = rng.random(n)
        variety = np.select(
            [origin == "gulf", origin == "egyptian", origin == "persian"],
            [
                np.where(u < 0.75, "gulf", "msa"),
                np.where(u < 0.8, "egyptian", "msa"),
                np.where(u < 0.85, "fa", "en"),
            ],
            "en",
        )
        country = rng.choice(["SA", "AE", "KW", "BH", "QA"], size=n, p=[0.88, 0.05, 0.03, 0.02, 0.02])
        city = np.where(
            country == "SA",
            rng.choice(people.SAUDI_CITIES[0], size=n, p=people.SAUDI_CITIES[1]),
            np.array([people.GCC.get(c, ("", ""))[0] for c in country], dtype=object),
        )
        self.origin, self.persona, self.variety, self.city = origin, persona, variety, city
        return origin, country

    def _contacts(self, origin: np.ndarray, country: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Names, emails and phones (some missing), and when each customer first came and how active they are."""
        rng, n = self.rng, self.n
        names, emails = people.names_and_emails(rng, origin)
        phone = np.array(people.phones(rng, origin, country), dtype=object)
        email = np.array(emails, dtype=object)
        phone[rng.random(n) < 0.15] = None
        email[rng.random(n) < 0.08] = None
        preexisting = rng.random(n) < 0.35
        acq_day = self._sample_days(np.zeros(n))
        first_seen = np.where(preexisting, -rng.random(n) * 730 * 86400, self._sample_seconds_in_day(acq_day))
        activity = rng.lognormal(0.0, 0.9, size=n)
        activity *= np.array([PERSONA_ACTIVITY[p] for p in self.persona])
        self.preexisting, self.acq_day, self.first_seen, self.activity = (
            preexisting,
            acq_day,
            first_seen,
            activity,
        )
        self.language = np.array([texts.LANGUAGE_OF[v] for v in self.variety], dtype=object)
        self.customer_ids = np.array([f"cus_{i:06d}" for i in range(n)], dtype=object)
        return email, phone, names

    def _profiles(
        self, origin: np.ndarray, country: np.ndarray, names: list[str], email: np.ndarray, phone: np.ndarray
    ) -> pd.DataFrame:
        rng, n = self.rng, self.n
        persona, city, first_seen = self.persona, self.city, self.first_seen
        gender = rng.choice(["female", "male"], size=n)
        return pd.DataFrame(
            {
                "workspace_id": self.ws,
                "customer_id": self.customer_ids,
                "external_id": [f"U{100000 + i}" for i in range(n)],
                "name": names,
                "email": email,
                "phone": phone,
                "country": country,
                "city": city,
                "language": self.language,
                "gender": gender,
                "birth_year": rng.integers(1960, 2006, size=n).astype("int32"),
                "persona_key": persona,
                "acquisition_channel": rng.choice(
                    ["instagram", "tiktok", "google", "snapchat", "referral", "direct"],
                    size=n,
                    p=[0.22, 0.18, 0.2, 0.15, 0.1, 0.15],
                ),
                "traits": [
                    f'{{"origin":"{o}","newsletter":{str(bool(s)).lower()}}}'
                    for o, s in zip(origin, rng.random(n) < 0.45, strict=True)
                ],
                "first_seen_at": _ts(first_seen),
                "created_at": _ts(first_seen),
                "updated_at": _ts(first_seen),
            }
        )
