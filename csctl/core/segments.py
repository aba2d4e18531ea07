"""Step 4, segmentation: every customer gets a segment by ordered SQL rules (first match wins), its touch model
and target portfolio per CSM; the summary shows what each segment is worth and what it needs.
"""

from __future__ import annotations

import math

import polars as pl

from csctl.config.rules import Segments
from csctl.core.months import label_of
from csctl.core.numbers import Measured
from csctl.core.retention import window_retention
from csctl.result import Result, Table
from csctl.units import money


def assignment(rules: Segments) -> pl.Expr:
    """The segment of each row: the first rule whose condition is true (null counts as false)."""
    expr = pl.lit(rules.rules[-1].name)
    for rule, condition in reversed(list(zip(rules.rules[:-1], rules.conditions[:-1], strict=True))):
        expr = pl.when(condition.expr.fill_null(False)).then(pl.lit(rule.name)).otherwise(expr)
    return expr


def _renamed(customers: pl.DataFrame, added: list[str]) -> tuple[pl.DataFrame, list[str]]:
    """Input columns that the added ones would replace are kept as crm_<name>."""
    clash = [c for c in added if c in customers.columns]
    return customers.rename({c: f"crm_{c}" for c in clash}), clash


def mrr_at(measured: Measured, month: int) -> pl.DataFrame:
    """customer_id (text) and MRR in currency units in a month."""
    return measured.customer_mrr.filter(pl.col("month") == month).select(
        pl.col("customer_id").cast(pl.String), (pl.col("mrr") / 100).round(2).alias("mrr")
    )


def rule_schema(customers: pl.Schema, *, with_billing: bool) -> pl.Schema:
    """The columns segment rules see: the input's, and with billing csctl's mrr and arr (the input's own kept as
    crm_mrr and crm_arr, as segment_customers renames them)."""
    if not with_billing:
        return customers
    renamed = {(f"crm_{k}" if k in ("mrr", "arr") else k): v for k, v in customers.items()}
    return pl.Schema({**renamed, "mrr": pl.Float64(), "arr": pl.Float64()})


def with_revenue(customers: pl.DataFrame, measured: Measured) -> pl.DataFrame:
    """The customers with their ``mrr`` and ``arr`` in the as-of month (0 without billing in it)."""
    now = mrr_at(measured, measured.as_of)
    return (
        customers.join(now, on="customer_id", how="left")
        .with_columns(pl.col("mrr").fill_null(0.0))
        .with_columns(arr=(pl.col("mrr") * 12).round(2))
    )


def segment_customers(
    customers: pl.DataFrame, rules: Segments, measured: Measured | None, currency: str = "USD"
) -> Result:
    # mrr and arr from billing first (the rules may use them); the input's own segment, touch and
    # accounts_per_csm stay visible to the rules and are renamed only when csctl's replace them
    frame, clash = _renamed(customers, ["mrr", "arr"] if measured is not None else [])
    notes: list[str] = []
    meta: dict[str, object] = {"rules": rules.path, "currency": currency}
    if measured is not None:
        now = mrr_at(measured, measured.as_of)
        frame = with_revenue(frame, measured)
        meta["as_of"] = label_of(measured.as_of)
        orphans = now.join(customers.select("customer_id"), on="customer_id", how="anti")
        if orphans.height:
            notes.append(
                f"{orphans.height:,} billed customers are not in the customer file "
                f"(MRR {money(float(orphans['mrr'].sum()), currency)}); they are listed in the summary as 'not in CRM'"
            )
        if measured.progress_note:
            notes.append(measured.progress_note)
        if not measured.window_ok(measured.as_of - 11):
            notes.append(f"12-month retention by segment is null: {measured.incomplete_note()}")
    touch = {r.name: r.touch for r in rules.rules}
    target = {r.name: r.accounts_per_csm for r in rules.rules}
    chosen = frame.select(assignment(rules).alias("segment")).to_series()
    frame, more = _renamed(frame, ["segment", "touch", "accounts_per_csm"])
    clash += more
    notes[:0] = [f"input column {c!r} kept as 'crm_{c}' (csctl adds its own {c})" for c in clash]
    frame = frame.with_columns(segment=chosen).with_columns(
        touch=pl.col("segment").replace_strict(touch, return_dtype=pl.String),
        accounts_per_csm=pl.col("segment").replace_strict(target, return_dtype=pl.Int64),
    )
    summary = _summary(frame, customers, rules, measured, orphans if measured is not None else None)
    metrics: dict[str, float | int | None] = {
        "csms_needed": int(summary["csms_needed"].drop_nulls().sum()),
        "csms_assigned": int(summary["csms_assigned"].drop_nulls().sum()),
    }
    pooled = summary.filter(
        pl.col("csms_needed").is_null() & (pl.col("active") > 0) & (pl.col("segment") != "not in CRM")
    )
    if pooled.height:  # accounts with no target: the CSMs they need are not measured, so neither is the gap
        metrics["csms_needed"] = None
        notes.append(
            f"CSMs needed: not measured, {', '.join(pooled['segment'].to_list())} (pooled, no accounts per CSM) "
            f"has {int(pooled['active'].sum()):,} active accounts that need some of the team's time"
        )
    metrics["csm_gap"] = (
        None if metrics["csms_needed"] is None else int(metrics["csms_needed"]) - int(metrics["csms_assigned"] or 0)
    )
    kinds = {"mrr": "money", "arr": "money", "accounts_per_csm": "count"}
    show = ["customer_id", *(["name"] if "name" in frame.columns else []), "segment", "touch"]
    show += ["arr"] if measured is not None else []
    summary_kinds = {
        "customers": "count",
        "active": "count",
        "arr": "money",
        "arr_share": "rate",
        "accounts_per_csm": "count",
        "csms_needed": "count",
        "csms_assigned": "count",
        "grr_12m": "rate",
        "nrr_12m": "rate",
        "logo_churn_12m": "rate",
        "base_customers": "count",
    }
    definitions = {
        "segment": "The first rule (in file order) whose when: is true for the customer.",
        "active": "Customers with MRR in the as-of month (all customers without --billing).",
        "arr_share": "The segment's ARR / all ARR.",
        "csms_needed": "ceil(active / accounts_per_csm); none for pooled (tech touch) segments.",
        "csms_assigned": "Distinct csm names among the segment's active customers.",
        "grr_12m": "GRR over 12 months of the customers billed 12 months ago, grouped by the segment their "
        "ARR then gives.",
        "nrr_12m": "NRR over 12 months, same cohort and grouping.",
        "logo_churn_12m": "Share of that cohort with no MRR now.",
    }
    return Result(
        command="segment",
        title="Segments" + (f", {label_of(measured.as_of)}" if measured is not None else ""),
        tables={
            "customers": Table(frame, "Customers and their segment", kinds, show),  # type: ignore[arg-type]
            "segments": Table(summary, "Segments", summary_kinds),  # type: ignore[arg-type]
        },
        primary="customers",
        metrics=metrics,
        meta=meta,
        warnings=notes,
        definitions=definitions,
        order=["segments", "customers"],
    )


def _summary(
    frame: pl.DataFrame,
    customers: pl.DataFrame,
    rules: Segments,
    measured: Measured | None,
    orphans: pl.DataFrame | None,
) -> pl.DataFrame:
    active = pl.col("mrr") > 0 if measured is not None else pl.lit(True)
    has_csm = "csm" in frame.columns
    rows = []
    total_arr = 0.0
    if measured is not None:
        total_arr = float(frame["arr"].sum()) + (float(orphans["mrr"].sum()) * 12 if orphans is not None else 0.0)
    # 12-month retention rests on c(as-of − 12): left out (null) when that month is not complete in the export
    cohorts = (
        _cohort_segments(customers, rules, measured)
        if measured is not None and measured.window_ok(measured.as_of - 11)
        else None
    )
    for rule in rules.rules:
        part = frame.filter(pl.col("segment") == rule.name)
        live = part.filter(active)
        arr = float(part["arr"].sum()) if measured is not None else None
        csms = live.select(pl.col("csm").drop_nulls().n_unique()).item() if has_csm else None
        row: dict[str, object] = {
            "segment": rule.name,
            "touch": rule.touch,
            "customers": part.height,
            "active": live.height,
            "arr": arr,
            "arr_share": (arr / total_arr) if arr is not None and total_arr else None,
            "accounts_per_csm": rule.accounts_per_csm,
            "csms_needed": math.ceil(live.height / rule.accounts_per_csm) if rule.accounts_per_csm else None,
            "csms_assigned": csms,
        }
        if cohorts is not None and measured is not None:
            ids = cohorts.filter(pl.col("segment") == rule.name)["customer_id"]
            members = measured.customer_mrr.filter(pl.col("customer_id").cast(pl.String).is_in(ids.implode()))
            window = window_retention(members, measured.as_of - 11, measured.as_of)
            row |= {
                "base_customers": window.base_customers,
                "grr_12m": window.grr,
                "nrr_12m": window.nrr,
                "logo_churn_12m": window.logo_churn,
            }
        rows.append(row)
    if orphans is not None and orphans.height:
        arr = float(orphans["mrr"].sum()) * 12
        rows.append(
            {
                "segment": "not in CRM",
                "touch": None,
                "customers": orphans.height,
                "active": orphans.height,
                "arr": arr,
                "arr_share": arr / total_arr if total_arr else None,
                "accounts_per_csm": None,
                "csms_needed": None,
                "csms_assigned": None,
            }
        )
    schema: dict[str, pl.DataType] = {
        "segment": pl.String(),
        "touch": pl.String(),
        "customers": pl.Int64(),
        "active": pl.Int64(),
        "arr": pl.Float64(),
        "arr_share": pl.Float64(),
        "accounts_per_csm": pl.Int64(),
        "csms_needed": pl.Int64(),
        "csms_assigned": pl.Int64(),
    }
    if measured is not None:
        schema |= {
            "base_customers": pl.Int64(),
            "grr_12m": pl.Float64(),
            "nrr_12m": pl.Float64(),
            "logo_churn_12m": pl.Float64(),
        }
    else:
        schema.pop("arr")
        schema.pop("arr_share")
        rows = [{k: v for k, v in r.items() if k in schema} for r in rows]
    return pl.DataFrame(rows, schema=schema)


def _cohort_segments(customers: pl.DataFrame, rules: Segments, measured: Measured | None) -> pl.DataFrame | None:
    """Each customer billed 12 months before as-of, with the segment its ARR then gives (the input's columns
    as they are, its own mrr and arr renamed as in the output)."""
    if measured is None:
        return None
    base = mrr_at(measured, measured.as_of - 12)
    if base.height == 0:
        return base.select("customer_id", segment=pl.lit(None, pl.String))
    then = (
        _renamed(customers, ["mrr", "arr"])[0]
        .join(base, on="customer_id", how="right")
        .with_columns(arr=(pl.col("mrr") * 12).round(2))
    )
    return then.select("customer_id", assignment(rules).alias("__segment")).rename({"__segment": "segment"})
