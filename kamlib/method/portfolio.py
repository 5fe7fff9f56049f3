"""Across the portfolio: account attractiveness, the headline figures and the overview tables.

Attractiveness (0..1) is Σ weight × factor with the weights of `portfolio.yaml`; each factor
is scaled to 0..1 from the account's own file, so a plan job never needs another account:

- `wallet`: the customer's category spend in the latest year on a log scale, 100 thousand
  → 0 and 100 million → 1 in the portfolio's currency (a tenfold bigger wallet adds 1/3);
- `growth_potential` and `willingness_to_partner`: the latest assessment's customer-side
  score, (score − 1) / 4;
- `margin`: the latest year's profit margin after cost to serve, −10 % → 0 and +30 % → 1.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from kamlib.method import action_plan, competition, governance, pipeline, risks, scorecard, targets
from kamlib.parameters.loader import Portfolio
from kamlib.parameters.model import Account, AccountClass, PortfolioSettings, readable

WALLET_FLOOR, WALLET_CEILING = 1e5, 1e8
MARGIN_FLOOR, MARGIN_CEILING = -0.10, 0.30


def _clip(x: float) -> float:
    return min(1.0, max(0.0, x))


def attractiveness_factors(account: Account, as_of: date) -> dict[str, float | None]:
    """Each factor of attractiveness scaled to 0..1 (None when the data is not there yet)."""
    latest_year = account.financials[-1]
    wallet = latest_year.wallet
    wallet_factor = 0.0 if wallet <= WALLET_FLOOR else _clip(
        math.log10(wallet / WALLET_FLOOR) / math.log10(WALLET_CEILING / WALLET_FLOOR))
    margin = latest_year.profit / latest_year.revenue if latest_year.revenue else None
    margin_factor = None if margin is None else _clip((margin - MARGIN_FLOOR) / (MARGIN_CEILING - MARGIN_FLOOR))
    latest = scorecard.latest_assessment(account, as_of)
    return {
        "wallet": wallet_factor,
        "growth_potential": None if latest is None else (latest.customer.growth_potential - 1) / 4,
        "margin": margin_factor,
        "willingness_to_partner": None if latest is None else (latest.customer.willingness_to_partner - 1) / 4,
    }


def attractiveness(account: Account, settings: PortfolioSettings, as_of: date) -> float | None:
    """Σ weight × factor; None if a weighted factor is unknown."""
    factors = attractiveness_factors(account, as_of)
    total = 0.0
    for name, weight in settings.attractiveness.model_dump().items():
        if weight == 0:
            continue
        if factors[name] is None:
            return None
        total += weight * factors[name]
    return total


def headline(account: Account, settings: PortfolioSettings, as_of: date) -> dict[str, Any]:
    """The account's key figures as of the plan date (manifest `headline`), as the README's
    "Headline figures" defines them."""
    latest = scorecard.latest_assessment(account, as_of)
    customer = supplier = klass = None
    if latest is not None:
        customer, supplier = scorecard.side_scores(latest, settings.scorecard.weights)
        klass = scorecard.classify(customer, supplier, settings.scorecard.classes)
    year = account.financials[-1]
    overdue = action_plan.overdue_projects(account, as_of)
    target = targets.target_year(account, as_of)
    pipe = pipeline.summary(account, as_of)
    review = governance.review_due(account)
    return {
        "account": account.id,
        "name": account.name,
        "as_of": as_of.isoformat(),
        "assessment_date": latest.date.isoformat() if latest else None,
        "customer_score": _round(customer),
        "supplier_score": _round(supplier),
        "class": klass,
        "relative_strength": _round(competition.relative_strength(account)),
        "year": year.year,
        "revenue": _round(year.revenue),
        "wallet": _round(year.wallet),
        "share_of_wallet": _round(year.revenue / year.wallet if year.wallet else None),
        "gross_margin": _round(year.gross_margin),
        "cost_to_serve": _round(year.cost_to_serve),
        "profit": _round(year.profit),
        "attractiveness": _round(attractiveness(account, settings, as_of)),
        "plan_health": action_plan.plan_health(account, as_of).score,
        "overdue_projects": len(overdue),
        "overdue_project_ids": overdue,
        # Running the plan (the second cycle of the format): None where the account has no such data.
        "key_account": None if klass is None else scorecard.class_is_key(settings, klass),
        "forecast_year": year.forecast,
        "target_year": None if target is None else target.year,
        "target_revenue": None if target is None else _round(target.revenue),
        "revenue_gap": _round(pipe.revenue_gap),
        "pipeline_open": _round(pipe.open),
        "pipeline_weighted": _round(pipe.weighted),
        "pipeline_stale": len(pipe.stale),
        "pipeline_coverage": _round(pipe.coverage),
        "open_risks": len(risks.open_risks(account)),
        "top_risk_score": _round(risks.top_risk_score(account)),
        "overdue_next_steps": len(action_plan.overdue_next_steps(account, as_of)),
        "plan_status": governance.plan_status(account),
        "review_due": None if review is None else review.isoformat(),
        "review_overdue": governance.review_overdue(account, as_of),
    }


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


def portfolio_table(portfolio: Portfolio, as_of: date) -> pd.DataFrame:
    """The headline figures of every account, most attractive first."""
    rows = [headline(a, portfolio.settings, as_of) for a in portfolio.accounts.values()]
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    return table.sort_values(["attractiveness", "account"], ascending=[False, True],
                             na_position="last", kind="stable").reset_index(drop=True)


def whale_curve(table: pd.DataFrame) -> pd.DataFrame:
    """Accounts ranked by profit, highest first, with cumulative profit (ends at the total)."""
    ranked = table.sort_values(["profit", "account"], ascending=[False, True], kind="stable").reset_index(drop=True)
    ranked["cumulative_profit"] = ranked["profit"].cumsum()
    return ranked[["account", "name", "revenue", "profit", "cumulative_profit"]]


def competing_team_members(portfolio: Portfolio) -> pd.DataFrame:
    """People on the teams of two accounts that compete with each other (a confidentiality risk)."""
    accounts = portfolio.accounts
    pairs = sorted({tuple(sorted((a_id, b_id))) for a_id, a in accounts.items()
                    for b_id in a.competes_with if b_id in accounts})
    rows = []
    for a_id, b_id in pairs:
        shared = sorted({m.name for m in accounts[a_id].team} & {m.name for m in accounts[b_id].team})
        rows += [{"person": name, "account": a_id, "competing_account": b_id} for name in shared]
    return pd.DataFrame(rows, columns=["person", "account", "competing_account"])


# The portfolio matrix's quadrants: attractiveness at or above the portfolio's median is "high"
# (attractiveness is relative: the question is where to put scarce resources first); relative
# strength ≥ 1 means we lead the best competitor. An account whose relative strength is unknown (no
# competitor scored on the buying criteria) is not placed at all: it is never taken as level, 1.0.
QUADRANTS = {
    ("high", "strong"): ("Invest to partner", "Attractive and we lead: commit a dedicated team and joint projects."),
    ("high", "weak"): ("Build strength", "Attractive but a competitor is preferred: invest selectively to close "
                                         "the gaps on the criteria that weigh most."),
    ("low", "strong"): ("Maintain efficiently", "We lead in a less attractive account: protect it and serve it at "
                                                "low cost to serve."),
    ("low", "weak"): ("Reconsider", "Less attractive and we trail: serve on standard terms or withdraw resources."),
}
STRENGTH_SPLIT = 1.0


def quadrant(attractiveness: float | None, strength: float | None, split: float) -> str | None:
    """The quadrant's name for an account's position (None while attractiveness or relative
    strength is unknown: such an account is not placed)."""
    if attractiveness is None or pd.isna(attractiveness) or strength is None or pd.isna(strength):
        return None
    key = ("high" if attractiveness >= split else "low", "strong" if strength >= STRENGTH_SPLIT else "weak")
    return QUADRANTS[key][0]


def quadrant_table() -> pd.DataFrame:
    """The four quadrants and the strategy each recommends."""
    return pd.DataFrame([{"quadrant": name, "attractiveness": a, "our strength": s, "recommended strategy": text}
                         for (a, s), (name, text) in QUADRANTS.items()])


def attractiveness_split(table: pd.DataFrame) -> float:
    """Where "high" attractiveness starts: the portfolio's median (0.5 if nothing is known)."""
    known = table["attractiveness"].dropna()
    return float(known.median()) if len(known) else 0.5


def with_quadrants(table: pd.DataFrame) -> pd.DataFrame:
    """The portfolio table with each account's quadrant (None for an account not placed, see `unplaced`)."""
    out = table.copy()
    split = attractiveness_split(table)
    out["quadrant"] = pd.Series([quadrant(a, s, split) for a, s in zip(out["attractiveness"], out["relative_strength"])],
                                index=out.index, dtype=object)
    return out


STRENGTH_UNKNOWN = "relative strength unknown (no competitor scored on the buying criteria)"
ATTRACTIVENESS_UNKNOWN = "attractiveness unknown"


def unplaced(table: pd.DataFrame) -> pd.DataFrame:
    """The accounts the portfolio matrix cannot place, and why: attractiveness unknown (a weighted
    factor is missing, e.g. no assessment yet) or relative strength unknown (no competitor scored)."""
    rows = [{"account": r["account"], "name": r["name"],
             "reason": ATTRACTIVENESS_UNKNOWN if pd.isna(r["attractiveness"]) else STRENGTH_UNKNOWN}
            for r in table.to_dict("records") if pd.isna(r["attractiveness"]) or pd.isna(r["relative_strength"])]
    return pd.DataFrame(rows, columns=["account", "name", "reason"])


def key_classes(settings: PortfolioSettings) -> list[str]:
    """The names of the key classes (their accounts count against `capacity`), in rank order."""
    return [c.name for c in settings.scorecard.classes if scorecard.class_is_key(settings, c.name)]


# Whether a quadrant calls for running the account as key: True (invest to partner), False (serve
# efficiently or withdraw), None (build strength: selective investment fits either kind of class).
QUADRANT_CALLS_FOR_KEY: dict[str, bool | None] = {"Invest to partner": True, "Build strength": None,
                                                   "Maintain efficiently": False, "Reconsider": False}
CLASS_VS_QUADRANT_COLUMNS = ["account", "name", "class", "key", "class_advice", "quadrant", "quadrant_advice", "agree",
                             "what_to_do"]


def class_vs_quadrant(table: pd.DataFrame, settings: PortfolioSettings) -> pd.DataFrame:
    """Per account, the advice of its scorecard class and of its portfolio-matrix quadrant, whether
    they agree, and what to do.

    The class says "key" or "not key" (`scorecard.class_is_key`, with the class's team size and
    resources); the quadrant says invest to partner (key), maintain efficiently or reconsider (not
    key), or build strength (either). They disagree when a key class sits in Maintain efficiently or
    Reconsider, or a class that is not key sits in Invest to partner; `what_to_do` is written from
    the account's own figures (attractiveness against the median, relative strength, and for a
    class that is not key the scores the nearest key class needs). `agree` is None for an account
    not assessed or not placed. `table` is `portfolio_table`'s (with or without quadrants).
    """
    placed = table if "quadrant" in table.columns else with_quadrants(table)
    split = attractiveness_split(placed)
    rows = []
    for r in placed.to_dict("records"):
        name = r["class"] if isinstance(r["class"], str) else None
        klass = scorecard.class_settings(settings, name)
        key = None if klass is None else scorecard.class_is_key(settings, name)
        where = r["quadrant"] if isinstance(r["quadrant"], str) else None
        calls = None if where is None else QUADRANT_CALLS_FOR_KEY[where]
        agree = None if klass is None or where is None else (calls is None or calls == key)
        rows.append({"account": r["account"], "name": r["name"], "class": name, "key": key,
                     "class_advice": None if klass is None else _class_advice(klass, bool(key)),
                     "quadrant": where,
                     "quadrant_advice": None if where is None else next(t for n, t in QUADRANTS.values() if n == where),
                     "agree": agree, "what_to_do": _what_to_do(r, klass, key, where, split, settings)})
    # Text and True/False/None (unknown) throughout: object columns, so a missing value stays None, never NaN.
    return pd.DataFrame({c: pd.Series([row[c] for row in rows], dtype=object) for c in CLASS_VS_QUADRANT_COLUMNS})


def _class_advice(klass: AccountClass, key: bool) -> str:
    """"gold: a key class, a team of 3 — Named manager …": what the class's settings commit."""
    kind = "a key class" if key else "not a key class"
    team = "" if klass.team_size is None else f", a team of {klass.team_size}"
    if klass.resources:
        return f"{klass.name}: {kind}{team} — {klass.resources}"
    return f"{klass.name}: {kind}{team}; no {'resources' if team else 'team size or resources'} set"


def _what_to_do(r: dict[str, Any], klass: AccountClass | None, key: bool | None, where: str | None, split: float,
                settings: PortfolioSettings) -> str:
    """The advice for one account, from its own figures (see `class_vs_quadrant`)."""
    if klass is None:
        return "Not assessed yet: score the relationship before comparing class and quadrant."
    if where is None:
        reason = ATTRACTIVENESS_UNKNOWN if pd.isna(r["attractiveness"]) else STRENGTH_UNKNOWN
        todo = "Complete the data" if reason == ATTRACTIVENESS_UNKNOWN else "Score the competitors"
        return f"Not on the portfolio matrix: {reason}. {todo} to compare."
    attractiveness = f"{r['attractiveness']:.2f} against the median {split:.2f}"
    strength = f"relative strength {r['relative_strength']:.2f}"
    lead = "we lead" if r["relative_strength"] > STRENGTH_SPLIT + 1e-9 else "we are level with the best competitor"
    cls = readable(klass.name)
    if key and where == "Reconsider":
        return (f"Its class ({cls}) is a key class, but the account is less attractive than the portfolio's median "
                f"({r['attractiveness']:.2f} against {split:.2f}) and a competitor leads ({strength}): add no "
                "resources; by the next review either close the gap on the criteria that weigh most or move it out "
                "of the key classes.")
    if key and where == "Maintain efficiently":
        team = f"with a team of {klass.team_size} or fewer" if klass.team_size is not None else "with a smaller team"
        return (f"Its class ({cls}) is a key class, but the account is less attractive than the portfolio's median "
                f"({r['attractiveness']:.2f} against {split:.2f}) while {lead} ({strength}): protect the lead at a "
                f"lower cost to serve, {team}, and decide at the next review whether it should hold one of the "
                f"{settings.capacity} key places.")
    if not key and where == "Invest to partner":
        return (f"Attractive ({attractiveness}) and {lead} ({strength}), but the scorecard keeps it out of the key "
                f"classes ({cls}): invest in the relationship, not just the offer — "
                + _nearest_key_class(r, settings))
    if where == "Build strength":
        return (f"Class and quadrant agree on selective investment: a competitor leads ({strength}), so close the gap "
                f"on the criteria that weigh most before adding to the {cls} team.")
    return f"Class and quadrant agree: {cls} and {where.lower()} call for the same effort; keep to it."


def _nearest_key_class(r: dict[str, Any], settings: PortfolioSettings) -> str:
    """What the scores must reach for the key class with the smallest total shortfall."""
    customer, ours = r["customer_score"], r["supplier_score"]
    candidates = [c for c in settings.scorecard.classes if scorecard.class_is_key(settings, c.name)]
    if not candidates:
        return "no class of this portfolio is key, so its class cannot rise to one."
    target = min(candidates, key=lambda c: max(0.0, c.customer_min - customer) + max(0.0, c.supplier_min - ours))
    name, theirs_short, ours_short = (readable(target.name), customer < target.customer_min - 1e-9,
                                      ours < target.supplier_min - 1e-9)
    theirs_text = f"the customer's score must rise from {customer:.2f} to {target.customer_min:.2f}"
    if theirs_short and ours_short:
        return f"to reach {name} {theirs_text} and ours from {ours:.2f} to {target.supplier_min:.2f}."
    if theirs_short:
        return f"to reach {name} {theirs_text}; ours already meets it."
    if ours_short:
        return (f"to reach {name} our score must rise from {ours:.2f} to {target.supplier_min:.2f}; the customer's "
                "already meets it.")
    return f"its scores already meet {name}'s minimums: check the order of the classes in portfolio.yaml."


def capacity_check(table: pd.DataFrame, settings: PortfolioSettings) -> pd.DataFrame:
    """Accounts per class, and how many qualify as key (their class is key by its `key` setting
    or the default, see `scorecard.class_is_key`) against the capacity to run key accounts."""
    counts = table["class"].fillna("not assessed").value_counts()
    keys = key_classes(settings)
    key = int(sum(counts.get(name, 0) for name in keys))
    rows = [{"item": f"class: {name}", "accounts": int(n)} for name, n in counts.items()]
    rows += [{"item": f"qualify as key ({' + '.join(readable(k) for k in keys) or 'no key class'})", "accounts": key},
             {"item": "capacity (portfolio.yaml)", "accounts": settings.capacity},
             {"item": "headroom (capacity − qualifying)", "accounts": settings.capacity - key}]
    return pd.DataFrame(rows)


def rank_differences(table: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """Accounts whose rank by revenue and rank by profit differ most (1 = biggest)."""
    out = table[["account", "name", "revenue", "profit"]].copy()
    out["revenue_rank"] = out["revenue"].rank(ascending=False, method="min").astype(int)
    out["profit_rank"] = out["profit"].rank(ascending=False, method="min").astype(int)
    out["difference"] = out["profit_rank"] - out["revenue_rank"]
    order = out["difference"].abs().sort_values(ascending=False, kind="stable").index
    return out.loc[order].head(top).reset_index(drop=True)


def resource_allocation(portfolio: Portfolio, table: pd.DataFrame) -> pd.DataFrame:
    """The team each account's class commits (the class's `team_size`) against the team it has
    today; no recommendation where the class sets no team size or the account is not assessed."""
    rows = []
    for record in table.to_dict("records"):
        team = len(portfolio.accounts[record["account"]].team)
        klass = scorecard.class_settings(portfolio.settings, record["class"])
        recommended = None if klass is None else klass.team_size
        gap = None if recommended is None else team - recommended
        verdict = (("not assessed" if klass is None else "no team_size set for this class") if gap is None else
                   "over-staffed" if gap > 0 else "under-staffed" if gap < 0 else "as recommended")
        rows.append({"account": record["account"], "class": record["class"], "team": team,
                     "recommended": recommended, "difference": gap, "verdict": verdict})
    table = pd.DataFrame(rows, columns=["account", "class", "team", "recommended", "difference", "verdict"])
    for column in ("recommended", "difference"):  # whole people, None where there is no recommendation
        table[column] = pd.Series([r[column] for r in rows], index=table.index, dtype=object)
    return table


# --- Running the plan across the portfolio: totals, target coverage, risks -----------------

TOTAL_FIGURES = ("revenue", "profit", "pipeline_open", "pipeline_weighted")
TARGET_FIGURES = ("target_revenue", "revenue_gap")
ALL_ACCOUNTS = "all accounts"
NOT_ASSESSED = "not assessed"


def totals_table(table: pd.DataFrame, settings: PortfolioSettings) -> pd.DataFrame:
    """Money figures of the headline summed per class and for the whole portfolio.

    One row per class in the settings' order (a class with no account shows zeros), then the
    accounts not assessed (when there are any), then all accounts: how many accounts, Σ revenue,
    Σ profit, Σ open and Σ weighted pipeline, and over the accounts with a target year how many,
    Σ target revenue and Σ revenue gap (= Σ target − Σ their latest revenue: an account ahead of
    its target offsets one behind).
    """
    classes = [c.name for c in settings.scorecard.classes]
    groups: list[tuple[str, pd.DataFrame]] = [(name, table[table["class"] == name]) for name in classes]
    unassessed = table[table["class"].isna()]
    if len(unassessed):
        groups.append((NOT_ASSESSED, unassessed))
    groups.append((ALL_ACCOUNTS, table))
    rows = []
    for name, part in groups:
        with_target = part[part["target_year"].notna()]
        rows.append({"class": name, "accounts": len(part),
                     **{f: float(part[f].sum()) for f in TOTAL_FIGURES},
                     "accounts_with_target": len(with_target),
                     **{f: float(with_target[f].sum()) for f in TARGET_FIGURES}})
    return pd.DataFrame(rows, columns=["class", "accounts", *TOTAL_FIGURES, "accounts_with_target", *TARGET_FIGURES])


def target_coverage(table: pd.DataFrame) -> pd.DataFrame:
    """The accounts with a target year and how far their weighted pipeline covers the revenue gap.

    shortfall = revenue gap − weighted pipeline when the gap is > 0 and the pipeline falls short,
    else 0 (the revenue still to find beyond the pipeline). Largest shortfall first, then by account.
    """
    columns = ["account", "name", "class", "target_year", "target_revenue", "revenue", "revenue_gap",
               "pipeline_weighted", "pipeline_coverage", "shortfall"]
    out = table[table["target_year"].notna()].copy()
    out["target_year"] = out["target_year"].astype(int)  # a year, not 2027.0 (the column had nulls)
    out["shortfall"] = [max(0.0, gap - weighted) if gap > 0 else 0.0
                        for gap, weighted in zip(out["revenue_gap"], out["pipeline_weighted"])]
    out = out.sort_values(["shortfall", "account"], ascending=[False, True], kind="stable")
    return out.reindex(columns=columns).reset_index(drop=True)


def risks_across_accounts(portfolio: Portfolio, as_of: date) -> pd.DataFrame:
    """Every account's open risks: how many, the top score and the top risk (highest open score,
    ties by id) with its owner, mitigations overdue, and risks the data shows but nobody recorded
    (`risks.unrecorded_risks`). Highest top score first (accounts without an open risk last), then
    by account."""
    rows = []
    for account in portfolio.accounts.values():
        still_open = risks.open_risks(account)
        top = still_open[0] if still_open else None
        rows.append({"account": account.id, "name": account.name, "open_risks": len(still_open),
                     "top_risk_score": None if top is None else risks.score(top),
                     "top_risk": None if top is None else top.risk, "top_risk_owner": None if top is None else top.owner,
                     "overdue_mitigations": len(risks.overdue_mitigations(account, as_of)),
                     "unrecorded_risks": len(risks.unrecorded_risks(account, portfolio.settings, as_of))})
    columns = ["account", "name", "open_risks", "top_risk_score", "top_risk", "top_risk_owner",
               "overdue_mitigations", "unrecorded_risks"]
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["top_risk_score", "account"], ascending=[False, True], na_position="last",
                           kind="stable").reset_index(drop=True)
