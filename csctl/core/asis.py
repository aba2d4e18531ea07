"""Step 2, what is in place: processes rated good/bad/gap, metrics in place, tools; people (headcount, expertise,
passion); load per CSM and its imbalance; support, onboarding and survey metrics; the as-is checklist, each item
answered by data or left as an open question for the client.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import polars as pl

from csctl.config.inventory import CHECKLIST, Inventory
from csctl.errors import InputError
from csctl.metrics import REGISTRY
from csctl.result import Result, Table


@dataclass
class AsisInputs:
    inventory: Inventory | None = None
    team: pl.DataFrame | None = None
    customers: pl.DataFrame | None = None
    tickets: pl.DataFrame | None = None
    surveys: pl.DataFrame | None = None
    milestones: pl.DataFrame | None = None
    as_of: dt.date = field(default_factory=dt.date.today)
    figures: dict[str, float | int | None] = field(default_factory=dict)  # other steps' registry metrics, if run
    pooled_accounts_per_csm: int | None = None  # the accounts one CSM covers in a pooled (tech-touch) segment


@dataclass(frozen=True)
class OnboardingRules:
    start: str = "kickoff"
    live: str = "active"
    failed: str = "onboarding failed"
    stall_days: int = 90


def imbalance(values: list[float]) -> tuple[float | None, float | None]:
    """Coefficient of variation (population standard deviation / mean) and max / min; None when undefined."""
    if not values:
        return None, None
    mean = sum(values) / len(values)
    cv = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) / mean if mean else None
    low, high = min(values), max(values)
    return cv, (high / low if low > 0 else None)


def is_csm(role: pl.Expr) -> pl.Expr:
    """A CSM on the roster: role 'CSM' (a word) or 'Customer Success Manager'; one rule for asis and valuation."""
    return role.str.to_lowercase().str.contains(r"\bcsm\b|customer success manager")


def people(team: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Headcount and FTE by role with passion; expertise coverage (people and share per skill)."""
    fte = pl.col("fte").fill_null(1.0) if "fte" in team.columns else pl.lit(1.0)
    passion = pl.col("passion").mean().round(2) if "passion" in team.columns else pl.lit(None, pl.Float64)
    roles = (
        team.group_by("role")
        .agg(pl.len().alias("people"), fte.sum().round(2).alias("fte"), passion.alias("avg_passion"))
        .sort("people", "role", descending=[True, False])
    )
    if "expertise" not in team.columns:
        return roles, pl.DataFrame(schema={"expertise": pl.String, "people": pl.UInt32, "share": pl.Float64})
    skills = (
        team.select("name", pl.col("expertise").str.split(";"))
        .explode("expertise")
        .with_columns(pl.col("expertise").str.strip_chars().str.to_lowercase())
        .filter(pl.col("expertise").is_not_null() & (pl.col("expertise") != ""))
        .unique()
        .group_by("expertise")
        .agg(pl.len().alias("people"))
        .with_columns(share=pl.col("people") / team.height)
        .sort("people", "expertise", descending=[True, False])
    )
    return roles, skills


def csm_load(
    customers: pl.DataFrame, team: pl.DataFrame | None, pooled: int | None = None
) -> tuple[pl.DataFrame, list[str], dict[str, float | None]]:
    """Accounts and ARR per CSM; capacity used against each account's segment target; imbalance; mismatches.

    Every active account counts: an account of a pooled segment (no accounts_per_csm, tech touch) at ``pooled``
    accounts per CSM (the team's stated pooled capacity); without it a CSM holding such accounts has no capacity
    figure (null), never 0%. Churned accounts (no MRR) count nowhere.
    """
    notes: list[str] = []
    active = customers.filter(pl.col("mrr") > 0) if "mrr" in customers.columns else customers
    if "mrr" in customers.columns and active.height < customers.height:
        notes.append(f"{customers.height - active.height:,} customers without MRR (churned) are left out of the load")
    arr = pl.col("arr").fill_null(0.0).sum() if "arr" in active.columns else pl.lit(None, pl.Float64)
    capacity = None
    if "accounts_per_csm" in active.columns:
        target = pl.col("accounts_per_csm").cast(pl.Float64, strict=False)
        given = pl.col("accounts_per_csm").is_not_null() & (pl.col("accounts_per_csm").cast(pl.String) != "")
        bad = active.filter(given & ~(target.is_finite() & (target > 0)).fill_null(False))
        if bad.height:
            who = bad["customer_id"][0] if "customer_id" in bad.columns else "?"
            raise InputError(
                f"customers: customer {who}: accounts_per_csm {bad['accounts_per_csm'][0]!r} is not a positive number "
                "of accounts (csctl segment's column: the accounts one CSM covers)"
            )
        if pooled is not None:
            target = target.fill_null(float(pooled))
        # a null share (an account with no target) makes the CSM's capacity unknown: sum() would skip it as 0
        share = 1 / target
        capacity = pl.when(share.is_null().any()).then(None).otherwise(share.sum())
        unknown = active.filter(pl.col("accounts_per_csm").is_null() & pl.col("csm").is_not_null()).height
        if unknown and pooled is None:
            notes.append(
                f"{unknown:,} active accounts with a CSM are in pooled segments (no accounts per CSM): their CSMs' "
                "capacity is not measured; give valuation.pooled_accounts_per_csm in csctl.yaml"
            )
    aggs = [pl.len().alias("accounts"), arr.alias("arr")]
    if capacity is not None:
        aggs.append(capacity.round(3).alias("capacity_used"))
    unassigned = active.filter(pl.col("csm").is_null()).height
    if unassigned:
        notes.append(f"{unassigned:,} active customers have no CSM")
    load = active.filter(pl.col("csm").is_not_null()).group_by("csm").agg(aggs)
    if team is not None:
        csms = team.filter(is_csm(pl.col("role"))).select(pl.col("name").alias("csm"))
        off_roster = load.join(csms, on="csm", how="anti")
        for row in off_roster.iter_rows(named=True):
            notes.append(f"CSM {row['csm']!r} has {row['accounts']} accounts but is not on the team roster")
        idle = csms.join(load, on="csm", how="anti")["csm"].to_list()
        if idle:
            notes.append(f"on the roster with no accounts: {', '.join(idle)}")
        load = csms.join(load, on="csm", how="full", coalesce=True).with_columns(
            pl.col("accounts").fill_null(0), pl.col("arr").fill_null(0.0)
        )
        if capacity is not None:  # on the roster with no accounts: nothing used
            load = load.with_columns(
                pl.when(pl.col("accounts") == 0).then(0.0).otherwise(pl.col("capacity_used")).alias("capacity_used")
            )
        load = load.with_columns(on_roster=pl.col("csm").is_in(csms["csm"].implode()))
    if capacity is not None:
        load = load.with_columns(overloaded=pl.col("capacity_used") > 1)
    load = load.sort("csm")
    cv_accounts, ratio_accounts = imbalance([float(v) for v in load["accounts"].to_list()])
    arr_values = [float(v) for v in load["arr"].drop_nulls().to_list()] if "arr" in active.columns else []
    cv_arr, ratio_arr = imbalance(arr_values)
    metrics = {
        "accounts_cv": cv_accounts,
        "accounts_max_min": ratio_accounts,
        "arr_cv": cv_arr,
        "arr_max_min": ratio_arr,
        "overloaded_csms": (
            float(load["overloaded"].sum())
            if "overloaded" in load.columns and load["overloaded"].null_count() == 0
            else None
        ),
    }
    return load, notes, metrics


def support(tickets: pl.DataFrame, accounts: int, as_of: dt.date) -> tuple[dict[str, float | None], list[str]]:
    notes: list[str] = []
    frame = tickets.filter(pl.col("created_at").cast(pl.Date) <= as_of)
    if "resolved_at" not in frame.columns:  # an export without it: the times to close are unknown, not zero
        notes.append("the tickets export has no resolved_at column: the times to close are not measured")
        frame = frame.with_columns(resolved_at=pl.lit(None, frame.schema["created_at"]))
    resolved = frame.filter(pl.col("resolved_at").is_not_null())
    backwards = resolved.filter(pl.col("resolved_at") < pl.col("created_at"))
    if backwards.height:
        first = backwards.row(0, named=True)
        notes.append(
            f"{backwards.height:,} tickets resolved before they were created (e.g. customer {first['customer_id']}, "
            f"created {first['created_at']}, resolved {first['resolved_at']}): left out of the times to close"
        )
    good = resolved.filter(pl.col("resolved_at") >= pl.col("created_at"))
    hours = (good["resolved_at"] - good["created_at"]).dt.total_seconds() / 3600
    same_day = (good["resolved_at"].dt.date() == good["created_at"].dt.date()).sum() if good.height else 0
    escalated = frame["escalated"].fill_null(False).sum() if "escalated" in frame.columns else None
    # tickets per account a month over the last 12 months (or the months the export covers, if fewer)
    recent = frame.filter(pl.col("created_at").cast(pl.Date) > as_of - dt.timedelta(days=365))
    months = 0.0
    if frame.height:
        first_day = frame["created_at"].min().date()  # type: ignore[union-attr]
        months = min(12.0, max(1.0, ((as_of - first_day).days + 1) / 30.4375))
    metrics: dict[str, float | None] = {
        "tickets": float(frame.height),
        "median_hours_to_close": float(hours.median()) if good.height else None,  # type: ignore[arg-type]
        "p90_hours_to_close": float(hours.quantile(0.9, "linear")) if good.height else None,  # type: ignore[arg-type]
        "same_day_share": float(same_day) / good.height if good.height else None,
        "escalation_rate": float(escalated) / frame.height if escalated is not None and frame.height else None,
        "tickets_per_account_month": recent.height / accounts / months if accounts and months else None,
    }
    return metrics, notes


def onboarding(
    milestones: pl.DataFrame, rules: OnboardingRules, as_of: dt.date
) -> tuple[dict[str, float | None], pl.DataFrame]:
    """Per customer onboarding: start, live, failed; days to live; stalled when started > stall_days and not live."""
    m = milestones.filter(pl.col("date") <= as_of).with_columns(
        pl.col("milestone").str.strip_chars().str.to_lowercase()
    )
    names = {"start": rules.start.lower(), "live": rules.live.lower(), "failed": rules.failed.lower()}
    per = (
        m.group_by("customer_id")
        .agg(
            start=pl.col("date").filter(pl.col("milestone") == names["start"]).max(),
            live=pl.col("date").filter(pl.col("milestone") == names["live"]).max(),
            failed=pl.col("date").filter(pl.col("milestone") == names["failed"]).max(),
        )
        .filter(pl.col("start").is_not_null())
    )
    per = per.with_columns(
        live=pl.when(pl.col("live") >= pl.col("start")).then(pl.col("live")),
        failed=pl.when(pl.col("failed") >= pl.col("start")).then(pl.col("failed")),
    ).with_columns(
        days_to_live=(pl.col("live") - pl.col("start")).dt.total_days(),
        status=pl.when(pl.col("failed").is_not_null())
        .then(pl.lit("failed"))
        .when(pl.col("live").is_not_null())
        .then(pl.lit("live"))
        .when((pl.lit(as_of) - pl.col("start")).dt.total_days() > rules.stall_days)
        .then(pl.lit("stalled"))
        .otherwise(pl.lit("in progress")),
    )
    counts = per.group_by("status").agg(pl.len().alias("customers")).sort("status")
    total = per.height
    days = per["days_to_live"].drop_nulls()
    status = dict(zip(counts["status"].to_list(), counts["customers"].to_list(), strict=True))
    metrics: dict[str, float | None] = {
        "onboardings": float(total),
        "median_days_to_live": float(days.median()) if days.len() else None,  # type: ignore[arg-type]
        "failed_share": status.get("failed", 0) / total if total else None,
        "stalled_share": status.get("stalled", 0) / total if total else None,
    }
    return metrics, counts


def surveys_summary(surveys: pl.DataFrame, as_of: dt.date, days: int = 365) -> dict[str, float | None]:
    window = surveys.filter((pl.col("date") <= as_of) & (pl.col("date") > as_of - dt.timedelta(days=days)))
    kind = pl.col("type").str.to_lowercase() if "type" in window.columns else pl.lit("nps")
    nps = window.filter(kind == "nps")["score"]
    csat = window.filter(kind == "csat")["score"]
    n = nps.len()
    return {
        "nps": (float((nps >= 9).sum()) - float((nps <= 6).sum())) / n * 100 if n else None,
        "nps_responses": float(n),
        "csat": float(csat.mean()) if csat.len() else None,  # type: ignore[arg-type]
        "csat_satisfied_share": float((csat >= 4).sum()) / csat.len() if csat.len() else None,
        "csat_responses": float(csat.len()),
    }


def checklist(inputs: AsisInputs, facts: dict[str, str]) -> pl.DataFrame:
    """Each seed checklist item: answered by data (with the evidence) or an open question for the client."""
    inv = inputs.inventory
    answers = inv.answers if inv is not None else {}
    questions = {
        "organisation": "Who is on the CS team, in which roles, with which expertise?",
        "customer journey": "Which milestones does a customer pass, and when?",
        "expectations vs promises": "What did Sales promise, and what does the customer expect?",
        "onboarding": "How long does onboarding take, and how many stall or fail?",
        "software tools": "Which tools does CS use, and what do they capture?",
        "touch model": "Which customers get high, mid or tech touch?",
        "support": "How fast is support, and how often does it escalate?",
        "advocacy": "Who would recommend you (NPS), and who is a reference?",
        "customer health": "How is customer health measured today?",
        "business reviews": "Which customers get business reviews, how often, with whom?",
        "churn rate and CRC": "What are churn and the cost to retain $1 of revenue? (csctl numbers, csctl valuation)",
        "gross vs revenue retention": "What are GRR and NRR? (csctl numbers)",
    }
    rows = []
    for item in CHECKLIST:
        evidence = facts.get(item) or answers.get(item)
        rows.append(
            {
                "item": item,
                "status": "answered by data" if facts.get(item) else ("answered" if evidence else "open question"),
                "evidence": evidence or questions[item],
            }
        )
    return pl.DataFrame(rows)


def _facts_from_figures(figures: dict[str, float | int | None]) -> dict[str, str]:
    """Checklist answers from the numbers and valuation steps, when a run measured them (a workspace report)."""
    from csctl.units import percent

    facts: dict[str, str] = {}
    grr, nrr = figures.get("grr_12m"), figures.get("nrr_12m")
    if grr is not None and nrr is not None:
        facts["gross vs revenue retention"] = f"GRR {percent(grr)}, NRR {percent(nrr)} (12 months; csctl numbers)"
    churn, crc = figures.get("gross_revenue_churn_12m"), figures.get("crc_12m")
    if churn is not None and crc is not None:
        facts["churn rate and CRC"] = (
            f"gross revenue churn {percent(churn)} a month, CRC {crc:.2f} (12 months; csctl numbers, valuation)"
        )
    return facts


def compute_asis(inputs: AsisInputs, rules: OnboardingRules, currency: str = "USD") -> Result:
    tables: dict[str, Table] = {}
    notes: list[str] = []
    warnings: list[str] = []
    metrics: dict[str, float | int | None] = {}
    facts: dict[str, str] = {}
    inv = inputs.inventory
    if inv is not None:
        processes = pl.DataFrame(
            [p.model_dump(by_alias=True) for p in inv.processes],
            schema={
                "name": pl.String,
                "area": pl.String,
                "with": pl.String,
                "rating": pl.String,
                "owner": pl.String,
                "notes": pl.String,
            },
        ).sort(pl.col("rating").replace_strict({"gap": 0, "bad": 1, "good": 2}, return_dtype=pl.Int8), "area", "name")
        tables["processes"] = Table(processes, "Processes and plays: the good, the bad, the gaps")
        rated = {r: processes.filter(pl.col("rating") == r).height for r in ("good", "bad", "gap")}
        metrics |= {f"processes_{r}": c for r, c in rated.items()}
        notes.append(f"processes: {rated['good']} good, {rated['bad']} bad, {rated['gap']} gaps")
        if inv.metrics:
            frame = pl.DataFrame([m.model_dump() for m in inv.metrics]).sort("kind", "name")
            tables["metrics_in_place"] = Table(frame, "Metrics in place (internal, external, process performance)")
        if inv.tools:
            tools = pl.DataFrame([{**t.model_dump(), "captures": ", ".join(t.captures)} for t in inv.tools])
            tables["tools"] = Table(tools, "Tools and what they capture", {"annual_cost": "money"})
            facts["software tools"] = f"{len(inv.tools)} tools: " + ", ".join(t.name for t in inv.tools)
    if inputs.team is not None:
        roles, skills = people(inputs.team)
        tables["people"] = Table(roles, "People: headcount by role", {"people": "count", "fte": "number"})
        tables["expertise"] = Table(skills, "Expertise coverage", {"people": "count", "share": "rate"})
        metrics["headcount"] = inputs.team.height
        facts["organisation"] = f"{inputs.team.height} people in {roles.height} roles"
    if inputs.customers is not None and "csm" in inputs.customers.columns:
        load, more, imb = csm_load(inputs.customers, inputs.team, inputs.pooled_accounts_per_csm)
        warnings += more
        metrics |= imb
        tables["csm_load"] = Table(load, "Load per CSM", {"accounts": "count", "arr": "money", "capacity_used": "rate"})
    if inputs.customers is not None and "touch" in inputs.customers.columns:
        live = inputs.customers
        if "mrr" in live.columns:  # the touch model of the customers served now, not of churned ones
            live = live.filter(pl.col("mrr").fill_null(0) > 0)
        touch = live.group_by("touch").agg(pl.len().alias("customers")).sort("touch")
        facts["touch model"] = ", ".join(f"{t}: {n}" for t, n in touch.iter_rows())
    if inputs.customers is not None and "health_band" in inputs.customers.columns:
        bands = (
            inputs.customers.with_columns(pl.col("health_band").fill_null("no data"))
            .group_by("health_band")
            .agg(pl.len())
            .sort("health_band")
        )
        facts["customer health"] = "health bands " + ", ".join(f"{b}: {n}" for b, n in bands.iter_rows())
    accounts = 0
    if inputs.customers is not None:
        live = inputs.customers.filter(pl.col("mrr") > 0) if "mrr" in inputs.customers.columns else inputs.customers
        accounts = live.height
    if inputs.tickets is not None:
        sup, more = support(inputs.tickets, accounts or inputs.tickets["customer_id"].n_unique(), inputs.as_of)
        warnings += more
        metrics |= sup
        facts["support"] = (
            f"median {_num(sup['median_hours_to_close'])} h to close, p90 {_num(sup['p90_hours_to_close'])} h, "
            f"same day {_pct(sup['same_day_share'])}, escalated {_pct(sup['escalation_rate'])}"
        )
    if inputs.milestones is not None:
        onb, counts = onboarding(inputs.milestones, rules, inputs.as_of)
        metrics |= onb
        tables["onboarding"] = Table(counts, "Onboarding status", {"customers": "count"})
        facts["onboarding"] = (
            f"median {_num(onb['median_days_to_live'])} days to go live; failed {_pct(onb['failed_share'])}, "
            f"stalled {_pct(onb['stalled_share'])}"
        )
        tracked = inputs.milestones.select(pl.col("milestone").str.strip_chars().str.to_lowercase().n_unique()).item()
        facts["customer journey"] = f"{tracked} milestones tracked"
    if inputs.surveys is not None:
        sv = surveys_summary(inputs.surveys, inputs.as_of)
        metrics |= sv
        facts["advocacy"] = f"NPS {_num(sv['nps'])} from {int(sv['nps_responses'] or 0)} responses (12 months)"
    facts |= _facts_from_figures(inputs.figures)
    figures = pl.DataFrame(
        [
            {
                "metric": k,
                "label": REGISTRY[k].label if k in REGISTRY else k,
                "value": None if v is None else float(v),
                "unit": REGISTRY[k].unit if k in REGISTRY else "number",
            }
            for k, v in metrics.items()
        ],
        schema={"metric": pl.String, "label": pl.String, "value": pl.Float64, "unit": pl.String},
    )
    tables["figures"] = Table(figures, "Figures")
    tables["checklist"] = Table(checklist(inputs, facts), "The as-is checklist")
    open_items = tables["checklist"].frame.filter(pl.col("status") == "open question").height
    notes.append(f"checklist: {len(CHECKLIST) - open_items} answered, {open_items} open questions for the client")
    order = [
        "checklist",
        *(
            n
            for n in (
                "processes",
                "metrics_in_place",
                "tools",
                "people",
                "expertise",
                "csm_load",
                "onboarding",
                "figures",
            )
            if n in tables
        ),
    ]
    return Result(
        command="asis",
        title=f"What is in place{' at ' + inv.company if inv and inv.company else ''}, {inputs.as_of.isoformat()}",
        tables=tables,
        primary="checklist",
        metrics={k: v for k, v in metrics.items() if k in REGISTRY and REGISTRY[k].command == "asis"},
        meta={"as_of": inputs.as_of.isoformat(), "currency": currency},
        notes=notes,
        warnings=warnings,
        definitions={
            "accounts_cv": "Coefficient of variation of accounts per CSM: population standard deviation / mean.",
            "accounts_max_min": "Most accounts of a CSM / fewest (undefined when a CSM has none).",
            "capacity_used": "Σ over a CSM's accounts of 1 / the account segment's target accounts per CSM; "
            "above 100% is overloaded.",
            "same_day_share": "Resolved tickets closed on the calendar day they were opened.",
            "tickets_per_account_month": "Tickets of the last 12 months / active accounts / 12 (or the months the "
            "export covers, if fewer).",
            "nps": "% promoters (9-10) − % detractors (0-6), surveys of the last 12 months.",
            "stalled": "Started more than stall_days ago and not live, not failed.",
        },
        order=order,
    )


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"
