"""Names, companies, countries, e-mail addresses and phone numbers, typed the way people type them.

Everything is drawn from small word lists by numpy indices and rendered with polars
string expressions, so a million values cost a few vector operations. A *canonical*
value (lower-case e-mail, phone as country code + area + subscriber digits) is what
links systems; *rendering* adds the mess (case, spaces, formats, garbage).
"""

from __future__ import annotations

import unicodedata

import numpy as np
import polars as pl


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _words(
    "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa "
    "Anthony Betty Mark Sandra Steven Ashley Paul Emily Andrew Donna Joshua Michelle Kevin "
    "Carol Brian Amanda George Melissa Lukas Anna Leon Sophie Jonas Marie Oliver Amelia Harry "
    "Isla Hugo Chloé Léa Jürgen Zoë Seán Siobhán Renée José François Daan Sanne Mohammed "
    "Priya Wei Yuki"
)
LAST_NAMES = [
    *_words(
        "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
        "Lopez Wilson Anderson Taylor Moore Jackson Martin Lee Thompson White Harris Clark Lewis "
        "Walker Young Allen King Wright Scott Müller Schmidt Schneider Fischer Weber Meyer Wagner "
        "Becker Dubois Durand Lefèvre Moreau Jansen Visser Bakker Patel Singh Chen Nguyen Kim "
        "Tanaka O'Brien D'Angelo Smith-Jones García Núñez Østergaard"
    ),
    "van der Berg",
    "de Vries",
    "Mac Donald",
]

# fmt: off
_COMPANY_A = [
    "Acme", "Northwind", "Blue Harbor", "Summit", "Pioneer", "Evergreen", "Silverline",
    "Redwood", "Atlas", "Beacon", "Crescent", "Granite", "Horizon", "Ironclad", "Juniper",
    "Keystone", "Lighthouse", "Meridian", "Nimbus", "Orchard", "Pinnacle", "Quantum",
    "Riverside", "Sterling", "Trident", "Unity", "Vanguard", "Willow", "Zenith", "Alpen",
    "Rhein", "Nordlicht", "Brücke", "Élan", "Lumière", "Oranje", "Thames", "Highland", "Cobalt",
    "Falcon", "Harbor & Finch", "O'Malley", "Smith & Sons", '"Blue Sky"', "Café Central", "Nova",
    "Polar", "Sunrise", "Maple",
]
_COMPANY_B = [
    "Logistics", "Analytics", "Health", "Foods", "Systems", "Software", "Consulting", "Energy",
    "Media", "Robotics", "Labs", "Retail", "Capital", "Dental", "Legal", "Design", "Motors",
    "Textiles", "Pharma", "Travel", "Solar", "Security", "Networks", "Bakery", "Brewing",
    "Studios", "Partners", "Ventures", "Clinic", "Logistik", "Technik", "Immobilien", "Verlag",
]
INDUSTRIES = [
    "Technology", "Healthcare", "Retail", "Manufacturing", "Financial Services", "Education",
    "Hospitality", "Media", "Transportation", "Energy", "Professional Services", "Construction",
]
# fmt: on

# Country of a customer: weight, legal suffixes, top-level domain, how sales types it in the CRM.
COUNTRIES = ("US", "CA", "GB", "DE", "FR", "NL")
COUNTRY_WEIGHTS = np.array([0.55, 0.04, 0.14, 0.13, 0.07, 0.07])
_SUFFIXES = {
    "US": ["Inc.", "LLC", "Corp.", "Inc", "Co."],
    "CA": ["Inc.", "Ltd.", "Corp."],
    "GB": ["Ltd", "Ltd.", "PLC", "Limited"],
    "DE": ["GmbH", "AG", "GmbH & Co. KG", "KG"],
    "FR": ["SARL", "SA", "SAS"],
    "NL": ["B.V.", "N.V.", "BV"],
}
_TLDS = {"US": ".com", "CA": ".ca", "GB": ".co.uk", "DE": ".de", "FR": ".fr", "NL": ".nl"}
COUNTRY_SPELLINGS = {
    "US": ["US", "USA", "United States", "United States of America", "us", "U.S."],
    "CA": ["CA", "Canada", "canada"],
    "GB": ["GB", "UK", "United Kingdom", "England", "Great Britain"],
    "DE": ["DE", "Germany", "Deutschland", "de", "GER"],
    "FR": ["FR", "France", "france"],
    "NL": ["NL", "Netherlands", "The Netherlands", "Holland"],
}
_PERSONAL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "web.de", "gmx.de", "hotmail.co.uk"]
_ROLE_MAILBOXES = ["billing", "ap", "accounts", "finance", "invoices"]
PHONE_GARBAGE = ["n/a", "-", "tbd", "0", "none", "see email", "ask reception", "+1"]

# Area codes per country; subscriber numbers are drawn with a non-zero first digit.
_AREAS = {
    "US": [
        "212",
        "213",
        "305",
        "312",
        "415",
        "503",
        "512",
        "617",
        "646",
        "702",
        "720",
        "206",
        "404",
        "469",
        "650",
        "718",
        "773",
        "818",
        "917",
        "303",
    ],
    "CA": ["416", "604", "514", "403", "613"],
    "GB": ["20", "20", "20", "161", "131", "7700", "7911"],
    "DE": ["30", "40", "89", "69", "221", "211", "711"],
    "FR": ["1", "2", "3", "4", "5", "6"],
    "NL": ["20", "10", "30", "6"],
}
_CALLING_CODES = {"US": "1", "CA": "1", "GB": "44", "DE": "49", "FR": "33", "NL": "31"}

SURVEY_COMMENTS = [
    "Great service, thanks!",
    "Agent was friendly but the wait was long",
    'He said "it will be fixed tomorrow". It was not.',
    "Problem solved, quickly and politely.",
    '"Best support ever"',
    "Had to call twice,\nstill no answer on my refund",
    "ok",
    "Très bien, merci 👍",
    "5/5 would call again",
    "Billing error on my invoice, refund promised, let's see",
    "Can't log in; reset didn't work, says \"password expired\"\r\nPlease fix!",
    "Too many transfers between departments",
    "Quick and easy",
    "The agent didn't understand the problem.\nEscalated, waiting again...",
    "Sehr hilfsbereit, danke",
    'Rating: 2 stars; "we will call you back" - nobody did',
    "Resolved on first call",
    "Why do I have to repeat my account number three times?",
    "Good, but the IVR menu is confusing, press 1, press 2, press 3...",
    "Fantastic!!!",
    'Agent said "no problem", and indeed: no problem.',
    'The "self-service portal" is anything but',
    '"Quick" is not the word I\'d use',
    'Asked for a callback.\n"We\'ll get back to you" - still waiting',
    'Five stars for Maria, "above and beyond"',
    '"" empty promises ""',
    'Invoice says "overdue" but I paid, twice',
]


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits only: 'Müller' -> 'muller', "O'Brien" -> 'obrien'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def pick(rng: np.random.Generator, values: list[str], n: int) -> np.ndarray:
    """Indices into values, uniformly."""
    return rng.integers(0, len(values), size=n)


def take(values: list[str], idx: np.ndarray, name: str = "") -> pl.Series:
    return pl.Series(name, values, dtype=pl.String).gather(idx)


def people(rng: np.random.Generator, n: int) -> pl.DataFrame:
    """first, last (as typed), and their ASCII slugs for e-mail local parts."""
    fi, li = pick(rng, FIRST_NAMES, n), pick(rng, LAST_NAMES, n)
    return pl.DataFrame(
        [
            take(FIRST_NAMES, fi, "first"),
            take(LAST_NAMES, li, "last"),
            take([ascii_slug(x) for x in FIRST_NAMES], fi, "first_slug"),
            take([ascii_slug(x) for x in LAST_NAMES], li, "last_slug"),
        ]
    )


def choose_per_country(
    rng: np.random.Generator, country: np.ndarray, options: dict[str, list[str]]
) -> tuple[pl.Series, np.ndarray]:
    """One of the country's options per row (uniformly), and its index into the flat option list."""
    flat: list[str] = []
    offset, count = [], []
    for code in COUNTRIES:
        offset.append(len(flat))
        count.append(len(options[code]))
        flat += options[code]
    idx = (
        np.array(offset)[country]
        + rng.integers(0, 1 << 30, size=len(country)) % np.array(count)[country]
    )
    return pl.Series(flat, dtype=pl.String).gather(idx), idx


def companies(rng: np.random.Generator, country: np.ndarray, gidx: np.ndarray) -> pl.DataFrame:
    """Company name and a unique web domain (the customer number keeps e-mails distinct)."""
    n = len(country)
    ai, bi = pick(rng, _COMPANY_A, n), pick(rng, _COMPANY_B, n)
    suffix, _ = choose_per_country(rng, country, _SUFFIXES)
    local_tld, _ = choose_per_country(rng, country, {c: [t] for c, t in _TLDS.items()})
    generic = pl.Series(rng.random(n) < 0.35)  # many companies use .com whatever their country
    frame = pl.DataFrame(
        [
            take(_COMPANY_A, ai, "a"),
            take(_COMPANY_B, bi, "b"),
            take([ascii_slug(x) for x in _COMPANY_A], ai, "a_slug"),
            take([ascii_slug(x) for x in _COMPANY_B], bi, "b_slug"),
            suffix.alias("suffix"),
            pl.select(pl.when(generic).then(pl.lit(".com")).otherwise(local_tld))
            .to_series()
            .alias("tld"),
            pl.Series("gidx", gidx),
        ]
    )
    return frame.select(
        pl.concat_str([pl.col("a"), pl.col("b"), pl.col("suffix")], separator=" ").alias("name"),
        pl.concat_str([pl.col("a"), pl.col("b")], separator=" ").alias("short_name"),
        pl.concat_str(
            [pl.col("a_slug"), pl.col("b_slug"), pl.col("gidx").cast(pl.String), pl.col("tld")]
        ).alias("domain"),
    )


def country_spelling(rng: np.random.Generator, country: np.ndarray) -> pl.Series:
    """BillingCountry as typed by sales; 8 % left empty."""
    spelling, _ = choose_per_country(rng, country, COUNTRY_SPELLINGS)
    empty = pl.Series(rng.random(len(country)) < 0.08)
    return (
        pl.select(pl.when(empty).then(None).otherwise(spelling)).to_series().alias("BillingCountry")
    )


def phones(rng: np.random.Generator, country: np.ndarray) -> pl.DataFrame:
    """Canonical phone numbers: calling code `cc`, `area` and `sub`scriber digits (strings)."""
    n = len(country)
    cc, _ = choose_per_country(rng, country, {c: [code] for c, code in _CALLING_CODES.items()})
    area, area_idx = choose_per_country(rng, country, _AREAS)
    area_len = np.array([len(a) for code in COUNTRIES for a in _AREAS[code]])[area_idx]
    # National significant number: 10 digits in NANP, GB and (here) DE; 9 in FR and NL.
    total = np.where(
        np.isin(country, [COUNTRIES.index(c) for c in ("US", "CA", "GB", "DE")]), 10, 9
    )
    sub_len = np.clip(total - area_len, 6, 8)
    low = 10 ** (sub_len - 1)
    sub = low + (rng.random(n) * (9 * low)).astype(np.int64)
    # North American exchanges never start with 0 or 1.
    nanp = country <= COUNTRIES.index("CA")
    sub[nanp] = rng.integers(2_000_000, 10_000_000, size=int(nanp.sum()))
    return pl.DataFrame([cc.alias("cc"), area.alias("area"), pl.Series("sub", sub).cast(pl.String)])


def phone_e164(cc: pl.Expr, area: pl.Expr, sub: pl.Expr) -> pl.Expr:
    return pl.concat_str([pl.lit("+"), cc, area, sub])


def render_phone(cc: pl.Expr, area: pl.Expr, sub: pl.Expr, style: pl.Expr) -> pl.Expr:
    """A phone number as a person types it. style 0-7 are formats, 8 is garbage text.

    North American: `+1 (415) 555-0100`, `(415) 555-0100`, `415.555.0100`, `4155550100`, …
    Elsewhere: `+44 20 7946 0958`, `004930123456`, `+4930123456`, or a national form
    with a trunk `0` that only resolves with the right default region.
    """
    b, c = sub.str.slice(0, 3), sub.str.slice(3)
    half = sub.str.len_chars() // 2
    s1, s2 = sub.str.slice(0, half), sub.str.slice(half)
    nanp = [
        pl.concat_str([pl.lit("+1 ("), area, pl.lit(") "), b, pl.lit("-"), c]),
        pl.concat_str([pl.lit("("), area, pl.lit(") "), b, pl.lit("-"), c]),
        pl.concat_str([area, pl.lit("."), b, pl.lit("."), c]),
        pl.concat_str([area, sub]),
        pl.concat_str([area, pl.lit("-"), b, pl.lit("-"), c]),
        pl.concat_str([pl.lit("+1"), area, sub]),
        pl.concat_str([pl.lit("1-"), area, pl.lit("-"), b, pl.lit("-"), c]),
        pl.concat_str([pl.lit("+1 "), area, pl.lit(" "), b, pl.lit(" "), c]),
    ]
    intl = [
        pl.concat_str([pl.lit("+"), cc, pl.lit(" "), area, pl.lit(" "), sub]),
        pl.concat_str([pl.lit("00"), cc, area, sub]),
        pl.concat_str([pl.lit("+"), cc, area, sub]),
        pl.concat_str([pl.lit("+"), cc, pl.lit(" "), area, pl.lit(" "), s1, pl.lit(" "), s2]),
        pl.concat_str([pl.lit("0"), area, pl.lit(" "), sub]),
        pl.concat_str([pl.lit("+"), cc, pl.lit(" "), area, pl.lit(" "), sub]),
        pl.concat_str([pl.lit("00"), cc, pl.lit(" "), area, pl.lit(" "), sub]),
        pl.concat_str([pl.lit("+"), cc, pl.lit(" "), area, pl.lit(" "), s1, pl.lit(" "), s2]),
    ]
    garbage = pl.lit(pl.Series(PHONE_GARBAGE)).gather(
        sub.str.slice(-1).cast(pl.Int64) % len(PHONE_GARBAGE)
    )
    expr = pl.when(style == 8).then(garbage)
    for i in range(8):
        expr = expr.when((style == i) & (cc == "1")).then(nanp[i]).when(style == i).then(intl[i])
    return expr.otherwise(None)


def render_email(email: pl.Expr, style: pl.Expr) -> pl.Expr:
    """An e-mail as typed. style: 0 lower, 1 Title.Case, 2 UPPER, 3 spaces around, 4 trailing
    space + title case, 5 missing @, 6 `@@`, 7 two @, 8 no dot after the @."""
    local = email.str.extract(r"^([^@]*)@", 1)
    domain = email.str.extract(r"@(.*)$", 1)
    return (
        pl.when(style == 0)
        .then(email)
        .when(style == 1)
        .then(email.str.to_titlecase())
        .when(style == 2)
        .then(email.str.to_uppercase())
        .when(style == 3)
        .then(pl.concat_str([pl.lit("  "), email, pl.lit(" ")]))
        .when(style == 4)
        .then(pl.concat_str([email.str.to_titlecase(), pl.lit(" ")]))
        .when(style == 5)
        .then(email.str.replace("@", "", literal=True))
        .when(style == 6)
        .then(email.str.replace("@", "@@", literal=True))
        .when(style == 7)
        .then(pl.concat_str([local, pl.lit("@"), local, pl.lit("@"), domain]))
        .when(style == 8)
        .then(pl.concat_str([local, pl.lit("@"), domain.str.replace(r"\..*$", "")]))
        .otherwise(email)
    )


def email_styles(rng: np.random.Generator, n: int, invalid_share: float = 0.015) -> np.ndarray:
    """Mostly valid renderings; invalid_share of styles 5-8."""
    style = rng.choice(5, size=n, p=[0.55, 0.2, 0.05, 0.12, 0.08])
    bad = rng.random(n) < invalid_share
    style[bad] = rng.integers(5, 9, size=int(bad.sum()))
    return style


def phone_styles(rng: np.random.Generator, n: int, garbage_share: float = 0.02) -> np.ndarray:
    style = rng.integers(0, 8, size=n)
    style[rng.random(n) < garbage_share] = 8
    return style


def personal_email(
    first_slug: pl.Expr, last_slug: pl.Expr, number: pl.Expr, domain_idx: pl.Expr
) -> pl.Expr:
    domains = pl.lit(pl.Series(_PERSONAL_DOMAINS))
    return pl.concat_str(
        [
            first_slug,
            pl.lit("."),
            last_slug,
            number.cast(pl.String),
            pl.lit("@"),
            domains.gather(domain_idx % len(_PERSONAL_DOMAINS)),
        ]
    )


def role_mailbox(domain: pl.Expr, idx: pl.Expr) -> pl.Expr:
    boxes = pl.lit(pl.Series(_ROLE_MAILBOXES))
    return pl.concat_str([boxes.gather(idx % len(_ROLE_MAILBOXES)), pl.lit("@"), domain])
