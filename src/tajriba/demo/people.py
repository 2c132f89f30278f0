"""Demo customers' names, emails and phone numbers (fictitious, realistic formats)."""

from __future__ import annotations

import numpy as np

# (name in the customer's script, Latin spelling for the email address)
FIRST = {
    "gulf": [
        ("فيصل", "faisal"),
        ("نورة", "noura"),
        ("عبدالله", "abdullah"),
        ("سارة", "sara"),
        ("خالد", "khalid"),
        ("ريم", "reem"),
        ("محمد", "mohammed"),
        ("لمى", "lama"),
        ("سلطان", "sultan"),
        ("هيا", "haya"),
        ("تركي", "turki"),
        ("العنود", "alanoud"),
        ("بندر", "bandar"),
        ("جواهر", "jawaher"),
        ("ناصر", "nasser"),
        ("دانة", "dana"),
        ("راشد", "rashid"),
        ("شهد", "shahad"),
        ("مشاري", "mishari"),
        ("أمل", "amal"),
    ],
    "egyptian": [
        ("منى", "mona"),
        ("أحمد", "ahmed"),
        ("ياسمين", "yasmin"),
        ("محمود", "mahmoud"),
        ("دينا", "dina"),
        ("كريم", "karim"),
        ("هبة", "heba"),
        ("عمرو", "amr"),
        ("نهى", "noha"),
        ("مصطفى", "mostafa"),
        ("رانيا", "rania"),
        ("شريف", "sherif"),
        ("إيمان", "iman"),
        ("طارق", "tarek"),
        ("مي", "mai"),
    ],
    "persian": [
        ("مریم", "maryam"),
        ("علی", "ali"),
        ("زهرا", "zahra"),
        ("رضا", "reza"),
        ("فاطمه", "fatemeh"),
        ("حسین", "hossein"),
        ("نرگس", "narges"),
        ("مهدی", "mehdi"),
        ("سارا", "sara"),
        ("امیر", "amir"),
        ("لیلا", "leila"),
        ("سعید", "saeed"),
    ],
    "english": [
        ("James", "james"),
        ("Priya", "priya"),
        ("John", "john"),
        ("Maria", "maria"),
        ("Rahul", "rahul"),
        ("Emily", "emily"),
        ("Jose", "jose"),
        ("Anna", "anna"),
        ("Imran", "imran"),
        ("Grace", "grace"),
    ],
}
LAST = {
    "gulf": [
        ("العتيبي", "alotaibi"),
        ("القحطاني", "alqahtani"),
        ("الغامدي", "alghamdi"),
        ("الشهري", "alshehri"),
        ("الدوسري", "aldosari"),
        ("الحربي", "alharbi"),
        ("الزهراني", "alzahrani"),
        ("المطيري", "almutairi"),
        ("السبيعي", "alsubaie"),
        ("الشمري", "alshammari"),
        ("العنزي", "alanazi"),
        ("المالكي", "almalki"),
    ],
    "egyptian": [
        ("عبد الفتاح", "abdelfattah"),
        ("حسن", "hassan"),
        ("السيد", "elsayed"),
        ("إبراهيم", "ibrahim"),
        ("عبد الرحمن", "abdelrahman"),
        ("فؤاد", "fouad"),
        ("سليمان", "soliman"),
        ("منصور", "mansour"),
    ],
    "persian": [
        ("احمدی", "ahmadi"),
        ("حسینی", "hosseini"),
        ("رضایی", "rezaei"),
        ("موسوی", "mousavi"),
        ("کریمی", "karimi"),
        ("محمدی", "mohammadi"),
        ("جعفری", "jafari"),
        ("صادقی", "sadeghi"),
    ],
    "english": [
        ("Smith", "smith"),
        ("Sharma", "sharma"),
        ("Fernandes", "fernandes"),
        ("Khan", "khan"),
        ("Brown", "brown"),
        ("Santos", "santos"),
        ("Nair", "nair"),
        ("Wilson", "wilson"),
    ],
}
DOMAINS = ["gmail.com", "hotmail.com", "outlook.com", "yahoo.com", "icloud.com", "outlook.sa"]
SAUDI_CITIES = (
    ["الرياض", "جدة", "الدمام", "مكة المكرمة", "المدينة المنورة", "الخبر", "أبها", "تبوك"],
    [0.35, 0.25, 0.12, 0.08, 0.06, 0.06, 0.04, 0.04],
)
GCC = {
    "AE": ("دبي", "+9715"),
    "KW": ("مدينة الكويت", "+9655"),
    "BH": ("المنامة", "+9733"),
    "QA": ("الدوحة", "+9743"),
}


def names_and_emails(rng: np.random.Generator, origin: np.ndarray) -> tuple[list[str], list[str]]:
    """A full name in the customer's script and an email address for each customer."""
    names, emails = [], []
    first_idx = rng.integers(0, 10_000, size=origin.size)
    last_idx = rng.integers(0, 10_000, size=origin.size)
    domain_idx = rng.integers(0, len(DOMAINS), size=origin.size)
    suffix = rng.integers(1, 999, size=origin.size)
    style = rng.integers(0, 3, size=origin.size)
    for i, o in enumerate(origin):
        f = FIRST[o][first_idx[i] % len(FIRST[o])]
        last = LAST[o][last_idx[i] % len(LAST[o])]
        names.append(f"{f[0]} {last[0]}")
        local = (f"{f[1]}.{last[1]}", f"{f[1]}{suffix[i]}", f"{f[1][0]}{last[1]}{suffix[i] % 100}")[style[i]]
        emails.append(f"{local}@{DOMAINS[domain_idx[i]]}")
    return names, emails


def phones(rng: np.random.Generator, origin: np.ndarray, country: np.ndarray) -> list[str]:
    """E.164 mobile numbers: Saudi for residents, some expats keep their Egyptian or Iranian number."""
    out = []
    keep_home = rng.random(origin.size) < 0.12
    digits = rng.integers(0, 10, size=(origin.size, 9))
    for i in range(origin.size):
        d = "".join(map(str, digits[i]))
        if keep_home[i] and origin[i] == "egyptian":
            out.append("+201" + "0125"[digits[i][0] % 4] + d[1:9])
        elif keep_home[i] and origin[i] == "persian":
            out.append("+989" + d)
        elif country[i] in GCC:
            prefix = GCC[country[i]][1]
            out.append(prefix + d[: 12 - len(prefix)])
        else:
            out.append("+9665" + d[:8])
    return out
