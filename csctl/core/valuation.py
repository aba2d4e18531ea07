"""Step 3, optimise valuation: the cost ratios CAC, CRC, CEC and CUC from the cost ledger and the revenue bridge,
and what a target CRC buys: the retention budget, CSM headcount, accounts per CSM and face time per account.

Windows: each complete calendar quarter with both costs and revenue, and the trailing 12 months to as-of.
ARR movements are 12 × the bridge's MRR movements over the window:
  new ARR = new + reactivation; retained ARR = ARR at the window's start − churned − contracted (contraction
  and price erosion); expansion ARR = expansion + price uplift; upsell ARR = upsell.
  CAC ratio = acquisition / new ARR; CRC = retention / (retained ARR × months / 12), the spend that keeps $1 of
  ARR for a year (so a quarter compares with a year); CEC = expansion spend / expansion ARR; CUC = upsell spend /
  upsell ARR. A ratio over zero revenue is undefined (null), with a note.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from csctl.core.asis import is_csm
from csctl.core.months import label_of, month_index
from csctl.core.numbers import Measured
from csctl.errors import InputError
from csctl.result import Result, Table
from csctl.units import money

CATEGORIES = ("acquisition", "retention", "expansion", "upsell")
RATIOS = (
    ("cac_ratio", "acquisition", "new_arr", "to get"),
    ("crc", "retention", "retained_arr", "to retain"),
    ("cec", "expansion", "expansion_arr", "to expand"),
    ("cuc", "upsell", "upsell_arr", "to upsell"),
)


@dataclass(frozen=True)
class ValuationSettings:
    target_crc: float | None = None
    hours_per_csm_year: float = 1600.0
    face_time_share: float = 0.4
    csm_loaded_cost: float | None = None
    tool_costs: tuple[float, ...] = (50.0, 100.0, 250.0, 500.0)
    currency: str = "USD"


def phrase(ratio: float | None, verb: str, currency: str) -> str:
    """The seed deck's phrasing: "$0.12 to retain $1.00"; CAC as "$1.00 to get $1.15"."""
    if ratio is None:
        return "undefined"
    if ratio == 0:
        return "no spend recorded"
    if verb == "to get":
        return f"{money(1.0, currency)} {verb} {money(1 / ratio, currency)}" if ratio else "undefined"
    return f"{money(ratio, currency)} {verb} {money(1.0, currency)}"


def windows(measured: Measured, costs: pl.DataFrame) -> list[tuple[str, int, int]]:
    """(label, first month, last month): complete quarters with costs and revenue, then the trailing 12 months."""
    first_cost = int(costs["month"].min())  # type: ignore[arg-type]
    first = max(first_cost // 3 * 3, measured.first_month)  # from the quarter of the first cost
    out = []
    q = (first + 2) // 3  # first quarter that starts on or after the first month with data
    while q * 3 + 2 <= measured.as_of:
        out.append((f"{q // 4}-Q{q % 4 + 1}", q * 3, q * 3 + 2))
        q += 1
    out = out[-8:]
    if measured.window_ok(measured.as_of - 11) and measured.as_of - 11 >= measured.first_month:
        out.append((f"12 months to {label_of(measured.as_of)}", measured.as_of - 11, measured.as_of))
    return out


def ratio_rows(measured: Measured, costs: pl.DataFrame, currency: str) -> pl.DataFrame:
    """One row per window: spend by category, ARR movements, the four ratios and their phrasing."""
    b = measured.bridge
    rows = []
    for label, a, z in windows(measured, costs):
        w = b.filter(pl.col("month").is_between(a, z))
        spend = costs.filter(pl.col("month").is_between(a, z)).group_by("category").agg(pl.col("amount").sum())
        by = dict(zip(spend["category"].to_list(), spend["amount"].to_list(), strict=True))
        start = b.filter(pl.col("month") == a)
        start_arr = 12 * float(start["mrr_start"].sum()) / 100 if start.height else 0.0

        def arr(*cols: str, frame: pl.DataFrame = w) -> float:
            return 12 * float(frame.select(pl.sum_horizontal(cols).sum()).item() or 0) / 100

        lost = -arr("churn", "contraction", "price_erosion") + 0.0  # + 0.0: no -0.0
        # the ARR kept month by month, averaged over the window: one basis for a quarter and for 12 months
        kept = w.select(
            (pl.col("mrr_start") + pl.sum_horizontal("churn", "contraction", "price_erosion")).mean()
        ).item()
        row: dict[str, object] = {
            "window": label,
            "months": z - a + 1,
            **{f"{c}_spend": round(float(by.get(c, 0.0)), 2) for c in CATEGORIES},
            "start_arr": round(start_arr, 2),
            "new_arr": round(arr("new", "reactivation"), 2),
            "churned_contracted_arr": round(lost, 2),
            "retained_arr": round(12 * float(kept or 0) / 100, 2),
            "expansion_arr": round(arr("expansion", "price_uplift"), 2),
            "upsell_arr": round(arr("upsell"), 2),
        }
        for name, category, base, verb in RATIOS:
            denominator = float(row[base])  # type: ignore[arg-type]
            if name == "crc":  # the average ARR kept is a year's revenue: a quarter's spend keeps it for a quarter
                denominator *= (z - a + 1) / 12
            value = float(row[f"{category}_spend"]) / denominator if denominator > 0 else None  # type: ignore[arg-type]
            row[name] = value
            row[f"{name}_phrase"] = phrase(value, verb, currency)
        rows.append(row)
    if not rows:
        raise InputError(
            "no complete quarter with both costs and complete billing months to measure cost ratios on"
            + (f" ({measured.incomplete_note()})" if measured.incomplete_note() else "")
        )
    return pl.DataFrame(rows)


def csm_cost(team: pl.DataFrame | None, settings: ValuationSettings) -> tuple[float | None, str]:
    if team is not None and "loaded_cost" in team.columns:
        csms = team.filter(is_csm(pl.col("role")))
        csms = csms.filter(pl.col("loaded_cost").is_not_null())
        if csms.height:
            fte = csms["fte"].fill_null(1.0) if "fte" in csms.columns else pl.Series([1.0] * csms.height)
            cost = float((csms["loaded_cost"] / fte.clip(lower_bound=0.01)).mean())  # type: ignore[arg-type]
            return cost, f"the roster's {csms.height} CSMs (mean loaded cost per FTE)"
    if settings.csm_loaded_cost is not None:
        return settings.csm_loaded_cost, "config valuation.csm_loaded_cost"
    return None, ""


def capacity(
    measured: Measured,
    segmented: pl.DataFrame | None,
    team: pl.DataFrame | None,
    settings: ValuationSettings,
) -> tuple[pl.DataFrame | None, list[str], dict[str, float | int | None]]:
    """What the target CRC buys, overall and per segment (budget shared by ARR)."""
    notes: list[str] = []
    metrics: dict[str, float | int | None] = {}
    if settings.target_crc is None:
        return None, ["no target CRC (--target-crc or targets.crc in csctl.yaml): no budget or headcount"], metrics
    cost, source = csm_cost(team, settings)
    now = measured.customer_mrr.filter(pl.col("month") == measured.as_of).select(
        pl.col("customer_id").cast(pl.String), (pl.col("mrr") * 12 / 100).alias("arr")
    )
    if segmented is not None and "segment" in segmented.columns:
        frame = now.join(segmented.select("customer_id", "segment"), on="customer_id", how="left").with_columns(
            pl.col("segment").fill_null("not in CRM")
        )
    else:
        frame = now.with_columns(segment=pl.lit("all customers"))
    hours = settings.hours_per_csm_year * settings.face_time_share
    groups = frame.group_by("segment").agg(pl.len().alias("accounts"), pl.col("arr").sum()).sort("segment")
    total = pl.DataFrame(
        {"segment": ["total"], "accounts": [frame.height], "arr": [float(frame["arr"].sum())]},
        schema={"segment": pl.String, "accounts": pl.UInt32, "arr": pl.Float64},
    )
    table = pl.concat([groups, total]) if groups.height > 1 else total
    table = table.with_columns(budget=(pl.col("arr") * settings.target_crc).round(2))
    if cost is None:
        notes.append("no CSM loaded cost (no team roster with loaded_cost, no valuation.csm_loaded_cost): no headcount")
        table = table.with_columns(pl.lit(None, pl.Float64).alias(c) for c in ("csms", "accounts_per_csm", "face_time"))
    else:
        notes.append(f"a CSM costs {money(cost, settings.currency)} a year ({source})")
        table = (
            table.with_columns(csms=pl.col("budget") / cost)
            .with_columns(  # from the unrounded headcount; rounded only for the table
                accounts_per_csm=pl.when(pl.col("csms") > 0).then(pl.col("accounts") / pl.col("csms")).round(1),
                face_time=pl.when(pl.col("accounts") > 0).then(pl.col("csms") * hours / pl.col("accounts")).round(2),
            )
            .with_columns(pl.col("csms").round(2))
        )
    table = table.rename({"face_time": "face_time_hours_per_account_year"})
    last = table.row(table.height - 1, named=True)
    metrics |= {
        "retention_budget": last["budget"],
        "affordable_csms": last["csms"],
        "face_time_hours_per_account": last["face_time_hours_per_account_year"],
    }
    if cost is not None:
        hourly = cost / settings.hours_per_csm_year
        notes.append(
            f"face time: {settings.hours_per_csm_year:g} productive hours a CSM a year × "
            f"{settings.face_time_share:.0%} with customers"
        )
        metrics["csm_hourly_cost"] = round(hourly, 2)
    return table, notes, metrics


def break_even(cost: float | None, settings: ValuationSettings) -> pl.DataFrame | None:
    """A tool pays for itself when it saves more CSM hours per account than its cost buys."""
    if cost is None:
        return None
    hourly = cost / settings.hours_per_csm_year
    return pl.DataFrame(
        {
            "tool_cost_per_account_year": list(settings.tool_costs),
            "csm_hourly_cost": [round(hourly, 2)] * len(settings.tool_costs),
            "break_even_hours_per_account_year": [round(c / hourly, 2) for c in settings.tool_costs],
        }
    )


def ledger(costs: pl.DataFrame, label: str) -> pl.DataFrame:
    """The cost ledger as (month index, category, amount); an unknown category is an input error naming the row."""
    category = pl.col("category").str.strip_chars().str.to_lowercase()
    unknown = costs.filter(~category.is_in(CATEGORIES))
    if unknown.height:
        row = unknown.row(0, named=True)
        where = f"row {row['__row']}, " if "__row" in row else ""
        raise InputError(
            f"{label}: {where}column 'category': {row['category']!r} is not one of {', '.join(CATEGORIES)} "
            f"({unknown.height:,} such rows)"
        )
    return costs.select(month=month_index(pl.col("period")), category=category, amount=pl.col("amount"))


def compute_valuation(
    measured: Measured,
    costs: pl.DataFrame,
    team: pl.DataFrame | None,
    segmented: pl.DataFrame | None,
    settings: ValuationSettings,
) -> Result:
    """``costs``: month (index), category, amount."""
    cur = settings.currency
    ratios = ratio_rows(measured, costs, cur)
    twelve = ratios.filter(pl.col("window").str.starts_with("12 months")) if ratios.height else ratios
    notes: list[str] = []
    if twelve.height:
        trailing = twelve.row(0, named=True)
    else:
        trailing = {f"{name}{suffix}": None for name, *_ in RATIOS for suffix in ("", "_phrase")}
        trailing |= {f"{name}_phrase": "unknown" for name, *_ in RATIOS}
        incomplete = measured.incomplete_note()
        notes.append(
            "no trailing 12-month ratios: "
            + (incomplete if incomplete else f"the history starts {label_of(measured.first_month)}")
        )
    for name, _, base, _ in RATIOS:
        undefined = ratios.filter(pl.col(name).is_null())["window"].to_list()
        if undefined:
            notes.append(f"{name} undefined (no {base.replace('_', ' ')}) in: {', '.join(undefined)}")
    headline = [
        f"CAC (12 months): {trailing['cac_ratio_phrase']}",
        f"CRC (12 months): {trailing['crc_phrase']}",
        f"CEC (12 months): {trailing['cec_phrase']}",
        f"CUC (12 months): {trailing['cuc_phrase']}",
    ]
    metrics: dict[str, float | int | None] = {
        "cac_ratio_12m": trailing["cac_ratio"],
        "new_arr_per_dollar_12m": None if not trailing["cac_ratio"] else 1 / trailing["cac_ratio"],
        "crc_12m": trailing["crc"],
        "cec_12m": trailing["cec"],
        "cuc_12m": trailing["cuc"],
    }
    tables = {
        "ratios": Table(
            ratios,
            "Cost ratios by quarter and trailing 12 months",
            {
                **{f"{c}_spend": "money" for c in CATEGORIES},
                **{
                    c: "money"
                    for c in (
                        "start_arr",
                        "new_arr",
                        "churned_contracted_arr",
                        "retained_arr",
                        "expansion_arr",
                        "upsell_arr",
                    )
                },
                **{name: "per_dollar" for name, *_ in RATIOS},  # dollars spent per dollar of ARR
                "months": "count",
            },
        )
    }
    budget, more, extra = capacity(measured, segmented, team, settings)
    notes += more
    metrics |= extra
    if budget is not None:
        tables["capacity"] = Table(
            budget,
            f"What a CRC of {settings.target_crc:g} buys",
            {
                "accounts": "count",
                "arr": "money",
                "budget": "money",
                "csms": "number",
                "accounts_per_csm": "number",
                "face_time_hours_per_account_year": "number",
            },
        )
    cost, _ = csm_cost(team, settings)
    tools = break_even(cost, settings)
    if tools is not None:
        tables["tooling"] = Table(
            tools, "Tooling break-even", {"tool_cost_per_account_year": "money", "csm_hourly_cost": "money"}
        )
    definitions = {
        "cac_ratio": "acquisition spend / new ARR (new + reactivation MRR × 12); phrased as $1.00 to get $X.",
        "crc": "retention spend / (ARR retained × months / 12); ARR retained = the ARR kept month by month (MRR at "
        "each month's start less its churn, contraction and price erosion, × 12), averaged over the window. One "
        "basis for a quarter and for 12 months: a year's ratio is the spend-weighted blend of its quarters', not a "
        "ratio against the ARR of twelve months ago.",
        "cec": "expansion spend / (expansion + price uplift) ARR.",
        "cuc": "upsell spend / upsell ARR.",
        "budget": "target CRC × the ARR to retain (ARR now), shared by segment in proportion to ARR.",
        "csms": "budget / a CSM's loaded cost.",
        "face_time_hours_per_account_year": "csms × productive hours × face-time share / accounts.",
        "break_even_hours_per_account_year": "tool cost / a CSM hour: the hours per account it must save.",
    }
    return Result(
        command="valuation",
        title=f"Valuation, {label_of(measured.as_of)}",
        tables=tables,
        primary="ratios",
        metrics=metrics,
        meta={"as_of": label_of(measured.as_of), "currency": cur, "target_crc": settings.target_crc},
        notes=[*headline, *notes, *([measured.progress_note] if measured.progress_note else [])],
        definitions=definitions,
    )
