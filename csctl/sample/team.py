"""The CS team roster (team.csv): its CSMs are the CRM's, around them a VP, managers, onboarding, support and
solutions engineers, sized to the accounts."""

from __future__ import annotations

import random

import polars as pl

from csctl.sample.company import CSMS, DEFAULT_CUSTOMERS, DEFAULT_MONTHS, DEFAULT_SEED, DEFAULT_START
from csctl.sample.crm import generate_customers

TEAM_COLUMNS = ("name", "role", "level", "fte", "loaded_cost", "expertise", "passion", "accounts")
TEAM_ROLES = (
    "VP Customer Success",
    "CS Manager",
    "CSM",
    "Onboarding Specialist",
    "Support Engineer",
    "Solutions Engineer",
)
LEVELS = ("junior", "mid", "senior")
# annual fully loaded cost of one full-time person (salary, bonus, taxes, benefits), in USD, by role and level
_LOADED_COST: dict[str, tuple[tuple[int, int], tuple[int, int], tuple[int, int]]] = {
    "VP Customer Success": ((220_000, 235_000), (225_000, 245_000), (230_000, 265_000)),
    "CS Manager": ((145_000, 155_000), (150_000, 168_000), (162_000, 185_000)),
    "CSM": ((95_000, 107_000), (107_000, 123_000), (123_000, 140_000)),
    "Onboarding Specialist": ((72_000, 82_000), (82_000, 92_000), (92_000, 102_000)),
    "Support Engineer": ((70_000, 77_000), (77_000, 86_000), (86_000, 95_000)),
    "Solutions Engineer": ((118_000, 132_000), (132_000, 150_000), (150_000, 170_000)),
}
_SKILLS: dict[str, tuple[str, ...]] = {
    "VP Customer Success": ("strategy", "renewals", "enterprise", "forecasting", "hiring", "executive reviews"),
    "CS Manager": ("coaching", "renewals", "escalations", "analytics", "playbooks", "forecasting"),
    "CSM": (
        "onboarding",
        "analytics",
        "integrations",
        "renewals",
        "training",
        "expansion",
        "executive reviews",
        "healthcare",
        "financial services",
        "retail",
    ),
    "Onboarding Specialist": ("onboarding", "training", "integrations", "data migration", "sso", "project management"),
    "Support Engineer": ("troubleshooting", "api", "integrations", "sso", "billing", "reporting"),
    "Solutions Engineer": ("integrations", "api", "architecture", "security reviews", "analytics", "data migration"),
}
_SEGMENT_SKILLS = {"Enterprise": "enterprise", "Mid-Market": "mid-market", "SMB": "smb"}
_PEOPLE_FIRST = (
    "Sofia",
    "Daniel",
    "Mei",
    "Omar",
    "Hannah",
    "Carlos",
    "Ingrid",
    "Kwame",
    "Elena",
    "Ravi",
    "Chloe",
    "Mateo",
    "Yuki",
    "Noah",
    "Fatima",
    "Erik",
    "Grace",
    "Diego",
    "Leila",
    "Samuel",
    "Anna",
    "Jonas",
    "Zara",
    "Marcus",
    "Nadia",
    "Felix",
    "Amara",
    "Oliver",
    "Rosa",
    "Hiro",
)
_PEOPLE_LAST = (
    "Garcia",
    "Schmidt",
    "Nguyen",
    "Haddad",
    "Johansson",
    "Mensah",
    "Rossi",
    "Kowalski",
    "Patel",
    "Dubois",
    "Kim",
    "Silva",
    "Murphy",
    "Tanaka",
    "Andersen",
    "Costa",
    "Ibrahim",
    "Fischer",
    "Walsh",
    "Moreau",
    "Yilmaz",
    "Brennan",
    "Varga",
    "Lindqvist",
    "Adeyemi",
    "Castillo",
    "Petrov",
    "Sato",
    "Evans",
    "Keller",
)


_PART_TIME = {("Solutions Engineer", 0): 0.5, ("Onboarding Specialist", 1): 0.5}  # (role, k-th of it): fte


def _headcount(customers: int, csms: int) -> dict[str, int]:
    """People per role besides the CSMs: support, onboarding and solutions scale with the accounts, managers
    with the people they lead (about one for nine)."""
    support = max(1, round(customers / 140))
    onboarding = max(1, round(customers / 220))
    solutions = max(1, round(customers / 500))
    managers = max(1, round((csms + support + onboarding + solutions) / 9))
    return {
        "VP Customer Success": 1,
        "CS Manager": managers,
        "Onboarding Specialist": onboarding,
        "Support Engineer": support,
        "Solutions Engineer": solutions,
    }


def generate_team(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
) -> pl.DataFrame:
    """The CS team roster (TEAM_COLUMNS) as of the end of the history, consistent with the CRM accounts.

    The CSMs are the ones named in generate_customers' ``csm`` column (Enterprise ones senior, SMB ones junior
    or mid), each with ``accounts`` = the number of its accounts not churned at the end of the history, plus one
    junior CSM hired lately with 0 accounts. Around them: a VP Customer Success, CS managers (about one per nine
    people), onboarding specialists (one per ~220 accounts), support engineers (one per ~140) and solutions
    engineers (one per ~500, the first shared half-time with Sales); ``accounts`` is null for them. The default
    company has 13 people. ``fte`` is 1.0 except a few part-timers (0.5: the first solutions engineer, the second
    onboarding specialist); ``loaded_cost`` is what the person costs a year, fully loaded, in USD (salary, bonus,
    taxes, benefits; a part-timer fte x the full-time cost), full-time: CSMs 95k-140k by level, support engineers
    70k-95k, the VP 220k+ (_LOADED_COST). ``expertise`` lists skills separated by ";"; ``passion`` is 1-5. Noise
    comes from its own stream, ``f"{seed}:team"``. Apart from ``accounts`` the roster does not depend on
    ``months`` (as long as the same CSMs appear in the CRM; a CSM whose accounts all churned keeps 0 accounts).
    """
    crm = generate_customers(customers, months, seed, start)
    owned = crm.filter(pl.col("churn_reason").is_null())["csm"].value_counts()
    counts = dict(zip(owned["csm"].to_list(), owned["count"].to_list(), strict=True))
    named = set(crm["csm"].to_list())
    csms = [(segment, name) for segment, names in CSMS.items() for name in names if name in named]
    heads = _headcount(customers, len(csms) + 1)
    rng = random.Random(f"{seed}:team")
    space = len(_PEOPLE_FIRST) * len(_PEOPLE_LAST)
    offset = rng.randrange(space)
    rows: list[tuple[str, str, int, float, str, float, int, int | None]] = []

    def person(role: str, level: int, fte: float, extra: str | None, accounts: int | None, name: str = "") -> None:
        fresh = not name and role == "CSM"  # the new hire
        if not name:  # a made-up name, unique: steps of 7 through the first x last names (7 is coprime with 900)
            k = len(rows)
            j = (k * 7 + offset) % space
            first, last = j % len(_PEOPLE_FIRST), j // len(_PEOPLE_FIRST)
            name = f"{_PEOPLE_FIRST[first]} {_PEOPLE_LAST[(last + 13 * first) % len(_PEOPLE_LAST)]}"
            name = name if k < space else f"{name} {k // space + 1}"
        low, high = _LOADED_COST[role][level]
        cost = round(rng.uniform(low, high) * fte / 500) * 500.0  # what the person costs: part-timers less
        pool = _SKILLS[role]
        picked = set(rng.sample(pool, rng.randint(3, 5)))
        skills = ([extra] if extra else []) + [s for s in pool if s in picked and s != extra]
        passion = min(5, max(1, round(rng.gauss(4.6 if fresh else 3.6, 0.9))))
        rows.append((name, role, level, fte, ";".join(skills), cost, passion, accounts))

    person("VP Customer Success", 2, 1.0, None, None)
    for _ in range(heads["CS Manager"]):
        person("CS Manager", 2 if rng.random() < 0.6 else 1, 1.0, None, None)
    for segment, name in csms:
        level = {"Enterprise": 2, "Mid-Market": 1, "SMB": 0}[segment] + (rng.random() < 0.4) * (segment != "Enterprise")
        person("CSM", level, 1.0, _SEGMENT_SKILLS[segment], counts.get(name, 0), name)
    person("CSM", 0, 1.0, "onboarding", 0)  # the new hire: no book of accounts yet
    for role in ("Onboarding Specialist", "Support Engineer", "Solutions Engineer"):
        for k in range(heads[role]):
            fte = _PART_TIME.get((role, k), 1.0)
            u = rng.random()
            person(role, 0 if u < 0.3 else (1 if u < 0.8 else 2), fte, None, None)
    return pl.DataFrame(
        rows,
        schema={
            "name": pl.String,
            "role": pl.String,
            "level": pl.Int8,
            "fte": pl.Float64,
            "expertise": pl.String,
            "loaded_cost": pl.Float64,
            "passion": pl.Int64,
            "accounts": pl.Int64,
        },
        orient="row",
    ).select(
        "name",
        "role",
        pl.col("level").replace_strict(dict(enumerate(LEVELS)), return_dtype=pl.String),
        "fte",
        "loaded_cost",
        "expertise",
        "passion",
        "accounts",
    )
