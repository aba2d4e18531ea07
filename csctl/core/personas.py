"""Steps 5 and 6: the customer's renewal and expansion team and its definition of success.

Contacts get personas from title/role patterns (first match in file order; ignoring case and accents; the
default persona otherwise). Per account: contacts, personas covered and engaged, single-threaded, decision maker
known; the renewal-risk list (renewing within the window without a decision maker or an engaged champion); and
outcomes achieved against target and recognised by the customer, summarised by persona and by segment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from csctl.config.rules import Personas
from csctl.result import Result, Table


@dataclass
class PersonaInputs:
    contacts: pl.DataFrame
    customers: pl.DataFrame | None
    outcomes: pl.DataFrame | None
    as_of: dt.date
    renewal_window: int = 90


def plain(text: pl.Expr) -> pl.Expr:
    """Lower case without accents: 'Directrice Financière' -> 'directrice financiere'."""
    return text.str.normalize("NFKD").str.replace_all(r"\p{M}", "").str.to_lowercase()


def classify(contacts: pl.DataFrame, rules: Personas) -> pl.DataFrame:
    """Add ``persona`` (first matching persona, else the default) and ``matched`` (False for the default)."""
    texts = [plain(pl.col(c).fill_null("")) for c in ("title", "role") if c in contacts.columns]
    persona: pl.Expr = pl.lit(None, pl.String)
    for rule in reversed(rules.rules.personas):
        pattern = rules.patterns.get(rule.name)
        if pattern is not None and texts:  # the title or the role, each on its own (anchors work)
            found = pl.any_horizontal([t.str.contains(pattern) for t in texts])
            persona = pl.when(found).then(pl.lit(rule.name)).otherwise(persona)
    return contacts.with_columns(persona=persona).with_columns(
        matched=pl.col("persona").is_not_null(), persona=pl.col("persona").fill_null(pl.lit(rules.rules.default))
    )


def dedupe(contacts: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """One row per person and account: by e-mail (case-insensitive) when there is one, else by name."""
    key_parts: list[pl.Expr] = []
    for column, normal in (("email", lambda e: e.str.to_lowercase()), ("name", plain)):
        if column in contacts.columns:
            value = pl.col(column).str.strip_chars()
            key_parts.append(pl.when(value != "").then(normal(value)))  # a blank is no key: fall to the next
    if key_parts:
        key_parts.append(pl.int_range(pl.len()).cast(pl.String))  # neither: every row is its own person
    key = pl.coalesce(key_parts) if key_parts else pl.int_range(pl.len()).cast(pl.String)
    keyed = contacts.with_columns(__person=key)
    unique = keyed.unique(["customer_id", "__person"], keep="first", maintain_order=True)
    return unique.drop("__person"), keyed.height - unique.height


def accounts(contacts: pl.DataFrame, inputs: PersonaInputs, rules: Personas) -> pl.DataFrame:
    deciders = [p.name for p in rules.rules.personas if p.decides]
    engaged = (
        pl.col("last_activity") >= inputs.as_of - dt.timedelta(days=rules.rules.engaged_days)
        if "last_activity" in contacts.columns
        else pl.lit(True)
    )
    c = contacts.with_columns(engaged=engaged.fill_null(False))
    champion = rules.rules.champion
    per = c.group_by("customer_id").agg(
        contacts=pl.len(),
        engaged_contacts=pl.col("engaged").sum(),
        covered=pl.col("persona").unique().sort(),
        personas=pl.col("persona").unique().sort().str.join(", "),
        engaged_personas=pl.col("persona").filter(pl.col("engaged")).unique().sort().str.join(", "),
        decision_maker=pl.col("persona").is_in(deciders).any(),
        engaged_decision_maker=(pl.col("persona").is_in(deciders) & pl.col("engaged")).any(),
        engaged_champion=((pl.col("persona") == champion) & pl.col("engaged")).any() if champion else pl.lit(False),
    )
    all_personas = [p.name for p in rules.rules.personas]
    per = per.with_columns(
        single_threaded=pl.col("engaged_contacts") <= 1,
        missing_personas=pl.concat_str(  # in file order; names compared as text, never as patterns
            [pl.when(~pl.col("covered").list.contains(pl.lit(n))).then(pl.lit(n)) for n in all_personas],
            separator=", ",
            ignore_nulls=True,
        ),
    ).drop("covered")
    if inputs.customers is not None:
        keep = [c for c in ("name", "segment", "csm", "renewal_date", "arr") if c in inputs.customers.columns]
        base = inputs.customers.select("customer_id", *keep)
        if "mrr" in inputs.customers.columns:  # churned customers (mrr 0) have no renewal team to judge
            base = base.filter(~(inputs.customers["mrr"].fill_null(1) <= 0))
        per = base.join(per, on="customer_id", how="left").with_columns(
            pl.col("contacts", "engaged_contacts").fill_null(0),
            pl.col("decision_maker", "engaged_decision_maker", "engaged_champion").fill_null(False),
            pl.col("single_threaded").fill_null(True),
            pl.col("missing_personas").fill_null(pl.lit(", ".join(all_personas))),
        )
    return per.sort("customer_id")


def renewal_risk(per: pl.DataFrame, inputs: PersonaInputs) -> pl.DataFrame | None:
    """Accounts renewing within [as_of, as_of + window] without a decision maker or an engaged champion."""
    if "renewal_date" not in per.columns:
        return None
    end = inputs.as_of + dt.timedelta(days=inputs.renewal_window)
    due = per.filter(pl.col("renewal_date").is_between(inputs.as_of, end, closed="both"))
    risky = due.filter(~pl.col("decision_maker") | ~pl.col("engaged_champion")).with_columns(
        days_to_renewal=(pl.col("renewal_date") - pl.lit(inputs.as_of)).dt.total_days(),
        reason=pl.concat_str(
            [
                pl.when(~pl.col("decision_maker")).then(pl.lit("no decision maker")),
                pl.when(~pl.col("engaged_champion")).then(pl.lit("no engaged champion")),
            ],
            separator="; ",
            ignore_nulls=True,
        ),
    )
    cols = [
        "customer_id",
        *(c for c in ("name", "segment", "csm") if c in risky.columns),
        "renewal_date",
        "days_to_renewal",
        *(["arr"] if "arr" in risky.columns else []),
        "reason",
        "contacts",
        "personas",
    ]
    return risky.select(cols).sort("renewal_date", "customer_id")


def outcomes(frame: pl.DataFrame, per: pl.DataFrame) -> pl.DataFrame:
    """Achieved: actual at or past target in the direction from baseline to target (up when no baseline); unknown
    without a target or an actual (the export has no such column)."""
    for column in ("target", "actual"):
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.Float64).alias(column))
    up = (
        pl.col("baseline").is_null() | (pl.col("target") >= pl.col("baseline"))
        if "baseline" in frame.columns
        else pl.lit(True)
    )
    achieved = (
        pl.when(pl.col("actual").is_null() | pl.col("target").is_null())
        .then(None)
        .when(up)
        .then(pl.col("actual") >= pl.col("target"))
        .otherwise(pl.col("actual") <= pl.col("target"))
    )
    out = frame.with_columns(achieved=achieved)
    if "recognised_by_customer" not in out.columns:
        out = out.with_columns(recognised_by_customer=pl.lit(None, pl.Boolean))
    if "segment" in per.columns:
        out = out.join(per.select("customer_id", "segment"), on="customer_id", how="left")
    return out


def _share(flag: str) -> pl.Expr:
    return pl.when(pl.col(flag).count() > 0).then(pl.col(flag).cast(pl.Float64).mean())


def compute_personas(inputs: PersonaInputs, rules: Personas) -> Result:
    warnings: list[str] = []
    contacts, duplicates = dedupe(inputs.contacts)
    if duplicates:
        warnings.append(f"{duplicates:,} duplicate contacts (same account and e-mail or name) counted once")
    empty = (
        contacts.filter(pl.col("title").is_null() | (pl.col("title").str.strip_chars() == "")).height
        if ("title" in contacts.columns)
        else contacts.height
    )
    if empty:
        warnings.append(f"{empty:,} contacts without a title")
    contacts = classify(contacts, rules)
    known = contacts
    if inputs.customers is not None:
        unknown = contacts.join(inputs.customers.select("customer_id"), on="customer_id", how="anti")
        if unknown.height:
            warnings.append(
                f"{unknown.height:,} contacts of {unknown['customer_id'].n_unique():,} accounts not in the customer "
                f"file (e.g. {unknown['customer_id'][0]}): classified but left out of the account view"
            )
            known = contacts.join(unknown.select("customer_id").unique(), on="customer_id", how="anti")
    unmatched = contacts.filter(~pl.col("matched")).height
    if unmatched:
        warnings.append(f"{unmatched:,} contacts matched no pattern: persona {rules.rules.default!r}")
    per = accounts(known, inputs, rules)
    risk = renewal_risk(per, inputs)
    tables: dict[str, Table] = {
        "contacts": Table(contacts.drop("__row", strict=False), "Contacts and their personas"),
        "accounts": Table(per, "The renewal team per account", {"contacts": "count", "arr": "money"}),
    }
    by_persona = (
        contacts.group_by("persona")
        .agg(pl.len().alias("contacts"), pl.col("customer_id").n_unique().alias("accounts"))
        .sort("persona")
    )
    metrics: dict[str, float | int | None] = {
        "single_threaded_share": float(per["single_threaded"].mean()) if per.height else None,  # type: ignore[arg-type]
        "decision_maker_coverage": float(per["decision_maker"].mean()) if per.height else None,  # type: ignore[arg-type]
    }
    if risk is not None:
        tables["renewal_risk"] = Table(risk, f"Renewals within {inputs.renewal_window} days at risk", {"arr": "money"})
        metrics["renewals_at_risk"] = risk.height
        metrics["renewals_without_decision_maker"] = risk.filter(
            pl.col("reason").str.contains("no decision maker")
        ).height
        metrics["arr_at_risk"] = round(float(risk["arr"].sum()), 2) if "arr" in risk.columns else None
    if inputs.outcomes is not None:
        frame = inputs.outcomes
        if inputs.customers is not None and "mrr" in inputs.customers.columns:
            gone = frame.join(per.select("customer_id"), on="customer_id", how="anti")
            if gone.height:
                warnings.append(
                    f"{gone.height:,} outcomes of customers that churned or are not in the customer file are left out"
                )
                frame = frame.join(per.select("customer_id"), on="customer_id", how="semi")
        results = outcomes(frame, per)
        tables["outcomes"] = Table(results.drop("__row", strict=False), "Customer outcomes: achieved, recognised")
        metrics["outcomes_achieved_share"] = results.select(_share("achieved")).item()
        metrics["outcomes_recognised_share"] = results.select(_share("recognised_by_customer")).item()
        present = known.select("customer_id", "persona").unique()
        persona_success = (
            present.join(results, on="customer_id")
            .group_by("persona")
            .agg(
                outcomes=pl.len(), achieved_share=_share("achieved"), recognised_share=_share("recognised_by_customer")
            )
        )
        by_persona = by_persona.join(persona_success, on="persona", how="left")
        if "segment" in results.columns:
            seg = (
                results.group_by("segment")
                .agg(
                    outcomes=pl.len(),
                    achieved_share=_share("achieved"),
                    recognised_share=_share("recognised_by_customer"),
                )
                .sort("segment")
            )
            tables["by_segment"] = Table(
                seg, "Success by segment", {"achieved_share": "rate", "recognised_share": "rate"}
            )
    measured_how = [
        {"persona": p.name, "segment": segment, "decides": p.decides, "success": text}
        for p in rules.rules.personas
        for segment, text in (p.success or {"default": ""}).items()
    ]
    success = pl.DataFrame(
        measured_how, schema={"persona": pl.String, "segment": pl.String, "decides": pl.Boolean, "success": pl.String}
    )
    tables["by_persona"] = Table(by_persona, "Personas", {"achieved_share": "rate", "recognised_share": "rate"})
    tables["success"] = Table(success, "How each persona measures success")
    order: list[str] = [
        n
        for n in ("renewal_risk", "by_persona", "success", "by_segment", "accounts", "outcomes", "contacts")
        if n in tables
    ]
    return Result(
        command="personas",
        title=f"The customer's renewal and expansion team, {inputs.as_of.isoformat()}",
        tables=tables,
        primary="contacts",
        metrics=metrics,
        meta={"as_of": inputs.as_of.isoformat(), "rules": rules.path, "renewal_window_days": inputs.renewal_window},
        warnings=warnings,
        definitions={
            "persona": "The first persona (file order) whose pattern is in the title or role; else the default.",
            "engaged": f"Last activity within {rules.rules.engaged_days} days before the as-of date.",
            "single_threaded": "At most one engaged contact on the account.",
            "decision_maker": "A contact whose persona decides (decides: true).",
            "renewal_risk": "Renewal date within the window (both ends included) and no decision maker or no "
            "engaged champion.",
            "achieved": "Actual at or past target, in the direction from baseline to target.",
        },
        order=order,
    )
