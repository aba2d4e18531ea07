"""The CRM of the sample company: its accounts (customers.csv, as of the end of the history) and their contacts
(contacts.csv: titles for every persona, buying roles, last activity, a primary contact, a few duplicates)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import polars as pl

from csctl.sample.adoption import _HEALTHY, _SENTIMENT_LEAD, _company, _Health
from csctl.sample.company import (
    CSMS,
    DEFAULT_CUSTOMERS,
    DEFAULT_MONTHS,
    DEFAULT_SEED,
    DEFAULT_START,
    _customer_ids,
    _segment,
)
from csctl.sample.timeline import _Account, _Life, _simulate

CUSTOMER_COLUMNS = (
    "customer_id",
    "name",
    "segment",
    "edition",
    "industry",
    "employees",
    "region",
    "csm",
    "start_date",
    "renewal_date",
    "churn_reason",
)


def generate_customers(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
) -> pl.DataFrame:
    """The CRM accounts table of the same company (CUSTOMER_COLUMNS), as of the last month of the history.

    segment follows ARR (12 x the MRR of the account's last contract, see SEGMENT_ARR); edition follows its
    core plan; start_date is its first billed day; renewal_date the start of its next term for active accounts
    (empty for churned ones); churn_reason is set for churned accounts only; csm is one of the segment's CSMs.
    An account is active when its billing gives it MRR in the last month.
    """
    _, accounts = _simulate(customers, months, seed, start)
    segments = [_segment(12 * a.contract_cents / 100) for a in accounts]
    return pl.DataFrame(
        {
            "customer_id": [f"C{i + 1:05d}" for i in range(len(accounts))],
            "name": [a.name for a in accounts],
            "segment": segments,
            "edition": [a.edition for a in accounts],
            "industry": [a.industry for a in accounts],
            "employees": pl.Series([a.employees for a in accounts], dtype=pl.Int64),
            "region": [a.region for a in accounts],
            "csm": [CSMS[s][(i * 7 + seed) % len(CSMS[s])] for i, s in enumerate(segments)],
            "start_date": pl.Series([a.first_day for a in accounts], dtype=pl.Int32).cast(pl.Date),
            "renewal_date": pl.Series([a.renewal_day for a in accounts], dtype=pl.Int32).cast(pl.Date),
            "churn_reason": pl.Series([a.churn_reason for a in accounts], dtype=pl.String),
        },
        schema_overrides={c: pl.String for c in ("customer_id", "name", "segment", "edition", "industry")},
    ).select(CUSTOMER_COLUMNS)


CONTACT_COLUMNS = ("customer_id", "name", "email", "title", "role", "last_activity", "is_primary")


# Job titles by the persona the default configs/personas.yaml gives them (first match in its order: 'Director
# of Operations' is an economic decision maker, not an administrator; 'IT Manager' a champion). Some in French.
# Titles the rules could read either way ("Chief Financial Officer", "Product Owner") are left out.
CONTACT_TITLES: dict[str, tuple[str, ...]] = {
    "economic decision maker": (
        "VP Operations",
        "VP of Sales",
        "Vice President, Customer Experience",
        "SVP Revenue",
        "Director of Finance",
        "Finance Director",
        "Director of Operations",
        "Head of Procurement",
        "Head of Sales Operations",
        "Head of Customer Success",
        "Finance Manager",
        "Procurement Manager",
        "Directrice Financière",
        "Directeur des Achats",
    ),
    "executive sponsor": (
        "CEO",
        "CFO",
        "Chief Executive Officer",
        "Chief Operating Officer",
        "COO",
        "CTO",
        "CIO",
        "Chief Revenue Officer",
        "Chief Digital Officer",
        "President",
        "Président",
        "Co-Founder",
        "Founder & CEO",
        "Owner",
        "General Manager",
    ),
    "champion": (
        "Customer Success Lead",
        "Analytics Manager",
        "IT Manager",
        "Sales Manager",
        "Marketing Manager",
        "RevOps Manager",
        "Operations Manager",
        "Project Manager",
        "BI Team Lead",
        "Office Manager",
        "Manager Contrôle de Gestion",
    ),
    "administrator": (
        "Salesforce Administrator",
        "System Administrator",
        "IT Administrator",
        "Systems Engineer",
        "Solutions Architect",
        "Data Engineer",
        "DevOps Engineer",
        "Sales Operations Specialist",
        "Business Systems Analyst",
        "Ingénieur Système",
        "Administrateur Systèmes",
    ),
    "user": (
        "Data Analyst",
        "Account Executive",
        "Sales Representative",
        "Customer Support Agent",
        "Business Analyst",
        "Marketing Specialist",
        "Accountant",
        "Executive Assistant",
        "Consultant",
        "Coordinator",
        "Chargée de Clientèle",
        "Analyste Données",
    ),
}
_EDM, _SPONSOR, _CHAMPION, _ADMIN, _USER = range(5)
_DECIDERS = (_EDM, _SPONSOR)
# CRM buying roles (Salesforce contact roles) a persona may carry; none of them changes the persona it gets under
# the default rules, except "Champion" on an administrator or a user (champion comes first) and "Economic Buyer"
# (\bbuyer\b) on a sponsor, who stays a decision maker
_CONTACT_ROLES = (
    ("Decision Maker", "Economic Buyer", "Executive Sponsor"),
    ("Decision Maker", "Economic Buyer", "Executive Sponsor"),
    ("Champion", "Champion", "Influencer"),
    ("Evaluator", "Influencer"),
    ("Business User", "Influencer", "Champion"),
)
_ROLE_SHARE = (0.35, 0.30, 0.30, 0.12, 0.10)  # share of each persona's contacts with a buying role
_ACTIVITY_RATE = (1 / 40, 1 / 80, 1 / 8, 1 / 18, 1 / 45)  # logged activities a day, fully engaged, by persona
_EXTRA_MIX = (0.13, 0.07, 0.15, 0.25, 0.40)  # persona of the contacts beyond the decision maker and champion
_SALES_DAYS = 60  # contacts met during the sales cycle are created up to this many days before the first invoice
_GRACE_DAYS = 14  # activity logged after a contract's last billed day (the exit call)
_EMPTY_TITLE = 0.03
_DUPLICATE_CONTACT = 0.02
_CONTACT_FIRST = (
    "Maria",
    "James",
    "Sophie",
    "Ahmed",
    "Laura",
    "Daniel",
    "José",
    "Emma",
    "Lucas",
    "Zoë",
    "Björn",
    "Chloé",
    "Wei",
    "Aisha",
    "François",
    "Søren",
    "Olivia",
    "Mohammed",
    "Anna",
    "Pedro",
    "Ingrid",
    "Kenji",
    "Łukasz",
    "Nora",
    "Ethan",
    "Priya",
    "Hélène",
    "Tomás",
    "Grace",
    "Ruth",
    "Sven",
    "Amelia",
    "Mateus",
    "Yara",
    "Liam",
    "Ines",
    "David",
    "Sara",
    "Raj",
    "Julia",
)
_CONTACT_LAST = (
    "Smith",
    "Müller",
    "García",
    "Martin",
    "Rossi",
    "Nowak",
    "Johnson",
    "Dubois",
    "Jensen",
    "Kowalczyk",
    "Brown",
    "Fernández",
    "Lefèvre",
    "Novak",
    "Schneider",
    "Taylor",
    "Wang",
    "Singh",
    "Okoye",
    "Hansen",
    "Ribeiro",
    "Clarke",
    "Nakamura",
    "Eriksson",
    "Bianchi",
    "Hoffmann",
    "Lopez",
    "O'Brien",
    "Papadopoulos",
    "Wilson",
    "Kaya",
    "Jovanović",
    "Davies",
    "Moreno",
    "Larsen",
    "Thompson",
    "Weber",
    "Ali",
    "Cohen",
    "Fischer",
)
_DOMAIN_ENDINGS = {"GmbH": ".de", "Ltd": ".co.uk", "SA": ".fr", "BV": ".nl"}
_ASCII = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ß": "ss", "æ": "ae", "'": "", "&": "and"})


def _ascii(text: str) -> str:
    """'Łukasz Jovanović' -> 'Lukasz Jovanovic': what an e-mail address keeps of a name."""
    import unicodedata

    return unicodedata.normalize("NFKD", text.translate(_ASCII)).encode("ascii", "ignore").decode("ascii")


def _domain(name: str) -> str:
    """'Acme Analytics GmbH' -> 'acmeanalytics.de'."""
    words = name.split()
    stem = _ascii("".join(words[:2])).lower()
    return stem + _DOMAIN_ENDINGS.get(words[2] if len(words) > 2 else "", ".com")


def _email(first: str, last: str, style: int, domain: str) -> str:
    f, la = _ascii(first).lower(), _ascii(last).lower().replace(" ", "")
    local = (f"{f}.{la}", f"{f[0]}{la}", f"{f}", f"{f}_{la}")[style]
    return f"{local}@{domain}"


@dataclass
class _Contact:
    persona: int
    created: int
    engagement: float
    leave: int  # the day the person leaves the company (or stops answering): no activity from then on
    name: str
    email: str
    title: str | None
    role: str | None
    primary: bool
    duplicate: int | None = None  # day a duplicate record (same e-mail, other case) was created, if any
    duplicate_email: str = ""


def _roster(rng: random.Random, account: _Account, health: list[_Health]) -> list[_Contact]:
    """One account's contacts, from its own stream: nothing here depends on the length of the history."""
    rand, uniform = rng.random, rng.uniform
    first_life = account.lives[0]
    begin = first_life.terms[0][0]
    seats = first_life.terms[0][3]
    n = min(8, max(1, round(0.6 + 0.9 * math.log2(max(seats, 1)) + rng.gauss(0.0, 0.9))))
    decider = rand() < min(0.95, 0.66 + 0.07 * n)
    champion = rand() < min(0.95, 0.72 + 0.08 * n)
    personas: list[int] = []
    if decider:
        personas.append(_EDM if rand() < min(0.85, 0.15 + 0.12 * n) else _SPONSOR)
    if champion:
        personas.append(_CHAMPION)
    if len(personas) > n:  # one contact: the founder or the manager who bought it
        personas = [personas[0] if rand() < 0.5 else personas[1]]
    allowed = [p for p in range(5) if (decider or p not in _DECIDERS) and (champion or p != _CHAMPION)]
    while len(personas) < n:
        personas.append(rng.choices(allowed, [_EXTRA_MIX[p] for p in allowed])[0])
    initial = min(n, max(len([p for p in personas if p in _DECIDERS or p == _CHAMPION]), round(0.6 * n + 0.4)))
    champions = [k for k, p in enumerate(personas) if p == _CHAMPION]
    primary = champions[0] if champions and rand() < 0.75 else 0
    # names: distinct people; one e-mail convention per company
    domain = _domain(account.name)
    style = rng.choices(range(4), (0.6, 0.2, 0.1, 0.1))[0]
    people = rng.sample(range(len(_CONTACT_FIRST) * len(_CONTACT_LAST)), n)
    struggling = 1 - min(1.0, health[0].base / _HEALTHY)
    contacts: list[_Contact] = []
    later = float(begin)
    for k, persona in enumerate(personas):
        first, last = _CONTACT_FIRST[people[k] % len(_CONTACT_FIRST)], _CONTACT_LAST[people[k] // len(_CONTACT_FIRST)]
        if k < initial:
            created = begin - round(uniform(5.0, _SALES_DAYS))
        else:
            later += rng.expovariate(1 / 200)
            created = round(later)
        dormant = rand() < (0.25 if persona == _USER else 0.06) + 0.25 * struggling
        engagement = (0.08 if dormant else min(2.0, rng.lognormvariate(0.0, 0.5))) * (1.25 if k == primary else 1.0)
        leave = created + round(rng.expovariate(1 / 2500))
        pool = list(CONTACT_TITLES.values())[persona]
        u = rand()
        picked = pool[int(rand() * len(pool))]
        title: str | None = picked
        if u < _EMPTY_TITLE:
            title = None
        elif u < _EMPTY_TITLE + 0.03:
            title = picked.upper()
        elif u < _EMPTY_TITLE + 0.05:
            title = picked.lower()
        role: str | None = None
        roles = _CONTACT_ROLES[persona]
        if rand() < _ROLE_SHARE[persona]:
            role = roles[int(rand() * len(roles))]
            if role == "Champion" and not champion:
                role = "Influencer"
        name = f"{first} {last}"
        email = _email(first, last, style, domain)
        if any(e.email == email for e in contacts):  # 'J. Smith' twice: the second gets a digit
            email = email.replace("@", f"{k + 1}@")
        contact = _Contact(persona, created, engagement, leave, name, email, title, role, k == primary)
        if rand() < _DUPLICATE_CONTACT and n < 8:
            contact.duplicate = created + round(uniform(15.0, 200.0))
            local, at = email.split("@")
            contact.duplicate_email = (
                (".".join(w.capitalize() for w in local.split(".")) + "@" + at) if rand() < 0.6 else email.upper()
            )
            if contact.duplicate_email == email:
                contact.duplicate_email = email.upper()
        contacts.append(contact)
    # a champion who left: the contract's decline before a "Champion left" churn starts when they go
    for life, life_health in zip(account.lives, health, strict=True):
        if life.churn_reason == "Champion left":
            gone = round(life_health.end - life_health.decline_days - uniform(0.0, _SENTIMENT_LEAD))
            for contact in contacts:
                if contact.persona == _CHAMPION and contact.created < gone < contact.leave:
                    contact.leave = gone
    return contacts


def _exists(day: int, lives: list[_Life]) -> bool:
    """Whether the account had a CRM relationship on a day: the sales cycle before a contract, or the contract."""
    return any(life.terms[0][0] - _SALES_DAYS <= day <= life.terms[-1][1] for life in lives)


def _last_activity(rng: random.Random, contact: _Contact, lives: list[_Life], health: list[_Health], last: int) -> int:
    """The contact's last logged activity on or before ``last`` (-1 when none): activities arrive at a rate set by
    the persona, the person's engagement and how the account feels (sentiment; more during onboarding and the
    sales cycle), drawn in time order from the contact's own stream, so a longer history only adds later ones."""
    top = _ACTIVITY_RATE[contact.persona] * contact.engagement * 2.5
    seen = -1
    window_start = contact.created
    for k, (life, life_health) in enumerate(zip(lives, health, strict=True)):
        begin, end = life.terms[0][0], life.terms[-1][1]
        a = max(window_start, begin - (_SALES_DAYS if k == 0 else _GRACE_DAYS))
        b = min(end + _GRACE_DAYS, contact.leave - 1, last)  # inclusive
        if a > last or a > contact.leave:
            break
        t = float(a)
        while True:
            t += rng.expovariate(top)
            day = int(t)
            if day > b:
                break
            if day < begin:
                level = 2.0  # the sales cycle (or the win-back)
            elif day > end:
                level = 0.3
            else:
                level = max(0.05, life_health.sentiment(day)) ** 1.5 * (1 + 1.5 * life_health.onboarding(day))
            if rng.random() * 2.5 < level:
                seen = day
        window_start = max(window_start, b + 1)
    return seen


def generate_contacts(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
) -> pl.DataFrame:
    """The CRM contacts of the same company (CONTACT_COLUMNS), as of the end of the history.

    Every account has 1-8 people (more for more seats at signup): with a probability growing with their number
    a decision maker (an economic decision maker, or for small accounts often the founder or CEO) and a champion,
    the rest administrators, users and more managers; titles come from CONTACT_TITLES, which the default
    configs/personas.yaml classifies into each persona (some in French with accents, a few in capitals, about 3%
    empty). ``role`` is mostly empty, sometimes a CRM buying role ("Decision Maker", "Economic Buyer",
    "Champion", "Influencer", ...). One contact per account is primary, mostly the champion. The people met
    during the sales cycle are created before the first invoice, others join over the years (one created after
    the history, or while the account is gone, is not there). last_activity is the last activity
    logged with the person on or before the history's last day (null when none): champions and administrators
    are in touch every week or two, executives rarely; less when the account struggles (its sentiment, see
    _Health) and before a churn; nothing after a contract's last billed day (but a short exit call), after the
    person leaves (people move on, a champion leaves before a "Champion left" churn) or for dormant contacts.
    So some accounts are single-threaded, some renewing accounts have no decision maker or no engaged champion,
    and churned accounts' contacts are stale. Realistic CRM mess: about 1.5% of the people have a duplicate
    record, the same e-mail in another case ("Maria.Lopez@" vs "maria.lopez@"), created later, without
    activity or role, listed after the original.

    The default company has 1,008 rows (15 of them duplicates, 3% without a title). Read by csctl personas with
    the default rules as of its last day: 36% of the active accounts single-threaded (45% of all, the churned
    ones counted), 85% with a decision maker, 84 of the 191 renewals within 90 days at risk (56 without an
    engaged champion, 20 without a decision maker, 8 both).

    Rows are sorted by customer and creation. The people of an account come from its stream
    ``f"{seed}:{account}:contacts"`` and the activity of each from ``f"{seed}:{account}:contacts:{k}"`` in time
    order, so a longer history keeps every contact (adding those created since) and only moves last_activity
    later: one that was on day d <= the end of the shorter history stays d unless there was activity after it.
    """
    company = _company(customers, months, seed, start)
    last = company.last_day
    cust: list[int] = []
    names: list[str] = []
    emails: list[str] = []
    titles: list[str | None] = []
    roles: list[str | None] = []
    activity: list[int | None] = []
    primary: list[bool] = []
    rng = random.Random()
    for c, account in enumerate(company.accounts):
        if not account.lives or account.lives[0].terms[0][0] > last:
            continue
        lives = account.lives
        rng.seed(f"{seed}:{c + 1}:contacts")
        contacts = _roster(rng, account, company.health[c])
        rows: list[tuple[int, int, int]] = []  # (created, k, 0 original / 1 duplicate)
        for k, contact in enumerate(contacts):
            if contact.created <= last and _exists(contact.created, lives):
                rows.append((contact.created, k, 0))
                if contact.duplicate is not None and contact.duplicate <= last and _exists(contact.duplicate, lives):
                    rows.append((contact.duplicate, k, 1))
        seen: dict[int, int] = {}
        for _, k, copy in sorted(rows):
            contact = contacts[k]
            if k not in seen:
                rng.seed(f"{seed}:{c + 1}:contacts:{k}")
                seen[k] = _last_activity(rng, contact, lives, company.health[c], last)
            cust.append(c)
            names.append(contact.name)
            emails.append(contact.duplicate_email if copy else contact.email)
            titles.append(contact.title)
            roles.append(None if copy else contact.role)
            activity.append(None if copy or seen[k] < 0 else seen[k])
            primary.append(contact.primary and not copy)
    frame = pl.DataFrame(
        {
            "cust": pl.Series(cust, dtype=pl.Int32),
            "name": pl.Series(names, dtype=pl.String),
            "email": pl.Series(emails, dtype=pl.String),
            "title": pl.Series(titles, dtype=pl.String),
            "role": pl.Series(roles, dtype=pl.String),
            "last_activity": pl.Series(activity, dtype=pl.Int32).cast(pl.Date),
            "is_primary": pl.Series(primary, dtype=pl.Boolean),
        }
    )
    return frame.select(_customer_ids(pl.col("cust")).alias("customer_id"), *CONTACT_COLUMNS[1:])
