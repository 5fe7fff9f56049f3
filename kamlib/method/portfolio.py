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
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import pandas as pd

from kamlib.method import action_plan, competition, governance, pipeline, risks, scorecard, targets, wording
from kamlib.method.wording import money
from kamlib.parameters.loader import Portfolio
from kamlib.parameters.model import Account, AccountClass, PortfolioSettings, TeamMember, readable

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
    rows = [{"item": f"class: {readable(name)}", "accounts": int(n)} for name, n in counts.items()]
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
        verdict = (("not assessed" if klass is None else "no team size set for this class") if gap is None else
                   "over-staffed" if gap > 0 else "under-staffed" if gap < 0 else "as recommended")
        rows.append({"account": record["account"], "name": record["name"], "class": record["class"], "team": team,
                     "recommended": recommended, "difference": gap, "verdict": verdict})
    table = pd.DataFrame(rows, columns=["account", "name", "class", "team", "recommended", "difference", "verdict"])
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


# --- Page one of the portfolio report: how the portfolio is doing and where to act ----------

# Who leads an account, in order of preference: the first team member whose role names the first
# of these, else the second, and so on (plan page one and the portfolio report name the same person).
DIRECTOR_ROLES = ("key account director", "key account manager", "account director", "account manager")


def key_account_director(account: Account) -> TeamMember:
    """The team member who leads the account: the key account director.

    The rule: the first member whose role names a key account director ("Key account director",
    "Global key account director"), else the first whose role names a key account manager ("Key
    account manager DACH"), else an account director, else an account manager; failing all of
    those the first member of the `sales` function, else the first member of the team (a team is
    never empty). Roles are matched in any case.
    """
    for words in DIRECTOR_ROLES:
        for member in account.team:
            if words in member.role.lower():
                return member
    return next((m for m in account.team if m.function == "sales"), account.team[0])


@dataclass(frozen=True)
class YearOnYear:
    """An account's latest financial year against the calendar year before it (None where the
    file has no row for that year)."""

    account: str
    year: int
    forecast: bool
    revenue: float
    profit: float
    previous_revenue: float | None
    previous_profit: float | None

    @property
    def has_previous(self) -> bool:
        """Whether the year before the latest is in the file."""
        return self.previous_revenue is not None


def year_on_year(account: Account) -> YearOnYear:
    """The latest financials row against the row of the year before (latest year − 1)."""
    latest = account.financials[-1]
    before = next((f for f in account.financials if f.year == latest.year - 1), None)
    return YearOnYear(account.id, latest.year, latest.forecast, latest.revenue, latest.profit,
                      None if before is None else before.revenue, None if before is None else before.profit)


@dataclass(frozen=True)
class Total:
    """A money figure summed over the portfolio's latest years, and its change on the year before
    over the accounts that have both years."""

    total: float      # Σ over every account's latest year
    latest: float     # Σ latest year over the accounts with a previous year
    previous: float   # Σ previous year over the same accounts

    @property
    def change(self) -> float:
        """Σ latest − Σ previous over the accounts with both years."""
        return self.latest - self.previous

    @property
    def change_share(self) -> float | None:
        """The change as a share of the previous year (None when the previous total is not positive:
        a share of a loss would read backwards)."""
        return self.change / self.previous if self.previous > 0 else None


@dataclass(frozen=True)
class PortfolioTotals:
    """The portfolio's headline figures (each account's latest year; targets over the accounts
    that have a target year)."""

    accounts: int
    latest_years: tuple[int, ...]        # the latest years found, e.g. (2026,)
    previous_years: tuple[int, ...]      # the years they are compared with, e.g. (2025,)
    forecast: tuple[str, ...]            # names of the accounts whose latest year is a forecast
    without_previous: tuple[str, ...]    # names of the accounts with no row for the year before
    revenue: Total
    profit: Total                        # after cost to serve
    pipeline_open: float
    pipeline_weighted: float
    with_target: int                     # accounts with a target year
    target_years: tuple[int, ...]
    target_revenue: float                # Σ target revenue over them
    revenue_gap: float                   # Σ (target − latest revenue): an account ahead offsets one behind
    behind: int                          # accounts short of their target
    shortfall_gross: float               # Σ of the positive gaps (what the accounts behind are short by)
    uncovered: float                     # Σ shortfall: the part of the gaps the weighted pipeline does not reach


def portfolio_totals(portfolio: Portfolio, table: pd.DataFrame) -> PortfolioTotals:
    """Revenue and profit of the latest years with their change on the year before, pipeline and
    targets, summed over the portfolio (`table` is `portfolio_table`'s).

    The change compares, account by account, the latest year with the year before and sums over the
    accounts that have both (the others are named in `without_previous`); a latest year marked
    `forecast` counts as it stands and is named in `forecast`.
    """
    names = {a.id: a.name for a in portfolio.accounts.values()}
    years = [year_on_year(portfolio.accounts[a]) for a in table.get("account", [])]
    both = [y for y in years if y.has_previous]

    def total(field: str) -> Total:
        return Total(float(sum(getattr(y, field) for y in years)), float(sum(getattr(y, field) for y in both)),
                     float(sum(getattr(y, f"previous_{field}") for y in both)))

    if not years:
        return PortfolioTotals(0, (), (), (), (), Total(0, 0, 0), Total(0, 0, 0), 0, 0, 0, (), 0, 0, 0, 0, 0)
    cover = target_coverage(table)
    gaps = cover["revenue_gap"].astype(float)
    return PortfolioTotals(
        accounts=len(years), latest_years=tuple(sorted({y.year for y in years})),
        previous_years=tuple(sorted({y.year - 1 for y in both})),
        forecast=tuple(names[y.account] for y in years if y.forecast),
        without_previous=tuple(names[y.account] for y in years if not y.has_previous),
        revenue=total("revenue"), profit=total("profit"),
        pipeline_open=float(table["pipeline_open"].sum()), pipeline_weighted=float(table["pipeline_weighted"].sum()),
        with_target=len(cover), target_years=tuple(sorted({int(y) for y in cover["target_year"]})),
        target_revenue=float(cover["target_revenue"].sum()), revenue_gap=float(gaps.sum()),
        behind=int((gaps > 0).sum()), shortfall_gross=float(gaps[gaps > 0].sum()),
        uncovered=float(cover["shortfall"].sum()))


@dataclass(frozen=True)
class ClassCount:
    """How many accounts a class holds, and whether it is key (`scorecard.class_is_key`)."""

    name: str
    accounts: int
    key: bool


@dataclass(frozen=True)
class CapacityUse:
    """Accounts per class against the capacity to run key accounts."""

    classes: tuple[ClassCount, ...]   # in the settings' order, empty classes included
    not_assessed: int
    key_accounts: int                 # accounts in a key class
    capacity: int

    @property
    def headroom(self) -> int:
        """Capacity − key accounts (negative: more key accounts than the team can serve well)."""
        return self.capacity - self.key_accounts


def classes_against_capacity(table: pd.DataFrame, settings: PortfolioSettings) -> CapacityUse:
    """Accounts per class (settings' order) and how many sit in a key class, against `capacity`."""
    column = table["class"] if "class" in table.columns else pd.Series(dtype=object)
    counts = column.value_counts()
    classes = tuple(ClassCount(c.name, int(counts.get(c.name, 0)), scorecard.class_is_key(settings, c.name))
                    for c in settings.scorecard.classes)
    return CapacityUse(classes, int(column.isna().sum()), sum(c.accounts for c in classes if c.key),
                       settings.capacity)


# Plan health bands, as the health chart colours them: below HEALTH_LOW is low (red), from
# HEALTH_GOOD up is healthy (green), between is amber.
HEALTH_LOW, HEALTH_GOOD = 50, 75
HEALTHY_BUT_LOSING = "healthy plan, loss-making account"
LOSING = "loss-making account"


def health_note(plan_health: float, profit: float | None) -> str | None:
    """What must be said beside an account's plan health: a plan can be healthy (well run) while the
    account loses money after cost to serve, and a green mark must not hide it. "healthy plan,
    loss-making account" from HEALTH_GOOD up, "loss-making account" below; None without a loss."""
    if profit is None or pd.isna(profit) or profit >= 0:
        return None
    return HEALTHY_BUT_LOSING if plan_health >= HEALTH_GOOD else LOSING


def accounts_overview(portfolio: Portfolio, table: pd.DataFrame) -> pd.DataFrame:
    """`table` (`portfolio_table`'s) with each account's key account director (`key_account_director`),
    its quadrant (None: not placed) and the note its plan health needs (`health_note`)."""
    out = with_quadrants(table) if "quadrant" not in table.columns else table.copy()
    out["director"] = [key_account_director(portfolio.accounts[a]).name for a in out["account"]]
    out["health_note"] = pd.Series([health_note(h, p) for h, p in zip(out["plan_health"], out["profit"])],
                                   index=out.index, dtype=object)
    return out


def health_beside_losses(table: pd.DataFrame) -> pd.DataFrame:
    """The loss-making accounts with their plan health and the note it needs (`health_note`), the
    largest loss first: a plan can be well run while the account loses money after cost to serve."""
    losing = table[table["profit"] < 0]
    out = pd.DataFrame({"account": losing["account"], "name": losing["name"], "plan_health": losing["plan_health"],
                        "profit": losing["profit"],
                        "note": [health_note(h, p) for h, p in zip(losing["plan_health"], losing["profit"])]})
    return out.sort_values(["profit", "account"], kind="stable").reset_index(drop=True)


NOT_PLACED = "not placed"


def quadrant_overview(table: pd.DataFrame, settings: PortfolioSettings) -> pd.DataFrame:
    """Every account's class, quadrant ("not placed" while attractiveness or relative strength is
    unknown: see `unplaced`), position, and whether class and quadrant agree ("agree", "disagree",
    or "not compared" for an account not assessed or not placed), in `table`'s order."""
    advice = class_vs_quadrant(table, settings)
    verdict = {True: "agree", False: "disagree", None: "not compared"}
    return pd.DataFrame({"account": table["account"].tolist(), "name": table["name"].tolist(),
                         "class": table["class"].tolist(),
                         "quadrant": [q if isinstance(q, str) else NOT_PLACED for q in advice["quadrant"]],
                         "attractiveness": table["attractiveness"].tolist(),
                         "relative_strength": table["relative_strength"].tolist(),
                         "class_and_quadrant": [verdict[a] for a in advice["agree"]]})


ReasonKind = Literal["loss", "target_shortfall", "class_vs_quadrant", "health_low", "review_overdue",
                     "strength_unknown"]
# How much each reason weighs when ordering the accounts that need action (higher first): losing
# money outweighs a target short of pipeline, which outweighs a process or data gap.
REASON_WEIGHTS: dict[ReasonKind, int] = {"loss": 3, "target_shortfall": 2, "class_vs_quadrant": 2, "health_low": 2,
                                         "review_overdue": 1, "strength_unknown": 1}


@dataclass(frozen=True)
class Reason:
    """Why an account needs action, in one sentence from its own figures."""

    kind: ReasonKind
    text: str
    at_stake: float = 0.0   # money the reason puts at stake: the loss, the gap still to find

    @property
    def weight(self) -> int:
        """The reason's weight (`REASON_WEIGHTS`)."""
        return REASON_WEIGHTS[self.kind]


@dataclass(frozen=True)
class ActionItem:
    """An account that needs action, who leads it, and why."""

    account: str
    name: str
    klass: str | None             # the account's class (None: not assessed)
    director: str
    reasons: tuple[Reason, ...]   # heaviest first

    @property
    def weight(self) -> int:
        """Σ of the reasons' weights: the accounts are ordered by it."""
        return sum(r.weight for r in self.reasons)

    @property
    def at_stake(self) -> float:
        """Σ of the money the reasons put at stake (orders accounts of equal weight)."""
        return sum(r.at_stake for r in self.reasons)


def _loss(r: dict[str, Any], currency: str) -> Reason | None:
    if pd.isna(r["profit"]) or r["profit"] >= 0:
        return None
    year = f"{r['year']} (forecast)" if r["forecast_year"] else str(r["year"])
    healthy = f", though its plan is healthy (plan health {r['plan_health']} of 100)" if r["plan_health"] >= HEALTH_GOOD \
        else ""
    return Reason("loss", f"Loses {money(-r['profit'], currency)} after cost to serve in {year}{healthy}.",
                  -float(r["profit"]))


def _shortfall(r: dict[str, Any], currency: str) -> Reason | None:
    if pd.isna(r["target_year"]) or pd.isna(r["revenue_gap"]) or r["revenue_gap"] <= 0:
        return None
    gap, weighted, year = float(r["revenue_gap"]), float(r["pipeline_weighted"]), int(r["target_year"])
    if weighted >= gap:
        return None
    if weighted <= 0:
        return Reason("target_shortfall", f"{money(gap, currency)} short of its {year} target, with no weighted "
                                          "pipeline to cover any of it.", gap)
    return Reason("target_shortfall", f"{money(gap, currency)} short of its {year} target; the weighted pipeline "
                                      f"covers {money(weighted, currency)}: {money(gap - weighted, currency)} still "
                                      "to find.", gap - weighted)


def _mismatch(advice: dict[str, Any]) -> Reason | None:
    if advice["agree"] is not False:
        return None
    cls, where = readable(advice["class"]), advice["quadrant"]
    if advice["key"]:
        todo = ("add no resources; close the gap or move it out of the key classes" if where == "Reconsider" else
                "serve it at a lower cost and decide whether it keeps a key place")
        return Reason("class_vs_quadrant", f"Its class ({cls}) is key but the matrix says {where.lower()}: {todo}.")
    return Reason("class_vs_quadrant", f"The matrix says invest to partner but its class ({cls}) is not key: invest in "
                                       "the relationship so the scorecard can follow.")


def _process(r: dict[str, Any]) -> list[Reason]:
    found = []
    if r["plan_health"] < HEALTH_LOW:
        found.append(Reason("health_low", f"Plan health {r['plan_health']} of 100: the plan needs work."))
    if r["review_overdue"]:
        due = date.fromisoformat(r["review_due"])
        found.append(Reason("review_overdue", f"Plan review overdue since {due.day} {due:%b %Y}."))
    if not pd.isna(r["attractiveness"]) and pd.isna(r["relative_strength"]):
        found.append(Reason("strength_unknown", "Relative strength unknown: score the competitors on the buying "
                                                "criteria."))
    return found


def actions_first(portfolio: Portfolio, table: pd.DataFrame) -> list[ActionItem]:
    """The accounts that need action, most pressing first, each with its key account director and why.

    An account is listed for any of: a loss after cost to serve in its latest year; a target the
    weighted pipeline does not cover (revenue gap > weighted pipeline); class and quadrant giving
    different advice (`class_vs_quadrant`); plan health below HEALTH_LOW; a plan review overdue;
    relative strength unknown while attractiveness is known. Order: Σ of the reasons' weights
    (`REASON_WEIGHTS`), then the money at stake (the loss plus the gap still to find), then revenue,
    then account id. `table` is `portfolio_table`'s.
    """
    currency = portfolio.settings.currency
    advice = class_vs_quadrant(table, portfolio.settings).set_index("account")
    items = []
    for r in table.to_dict("records"):
        found = [_loss(r, currency), _shortfall(r, currency), _mismatch(advice.loc[r["account"]].to_dict())]
        reasons = [x for x in found if x is not None] + _process(r)
        if reasons:
            reasons.sort(key=lambda x: -x.weight)  # stable: equal weights keep the order above
            klass = r["class"] if isinstance(r["class"], str) else None
            director = key_account_director(portfolio.accounts[r["account"]]).name
            items.append((r, ActionItem(r["account"], r["name"], klass, director, tuple(reasons))))
    items.sort(key=lambda pair: (-pair[1].weight, -pair[1].at_stake, -float(pair[0]["revenue"]), pair[1].account))
    return [item for _, item in items]


@dataclass(frozen=True)
class PortfolioSummary:
    """Page one of the portfolio report: the totals, the classes against capacity, and the accounts
    to act on first (`more`: the names of the other accounts with a reason to act)."""

    as_of: date
    currency: str
    totals: PortfolioTotals
    capacity: CapacityUse
    actions: tuple[ActionItem, ...]
    more: tuple[str, ...]
    left_out: str | None = None  # accounts not filled in yet, in words (`left_out`)


def summary(portfolio: Portfolio, as_of: date, top: int = 10, max_reasons: int = 12) -> PortfolioSummary:
    """Page one of the portfolio report, computed from every account as of the planning date.

    The accounts to act on first are `actions_first`'s, as many as fit both budgets: at most `top`
    accounts and `max_reasons` reasons in all (the first account always shows), so the page holds.
    """
    table = portfolio_table(portfolio, as_of)
    actions = actions_first(portfolio, table) if len(table) else []
    shown, reasons = 0, 0
    for item in actions[:top]:
        if shown and reasons + len(item.reasons) > max_reasons:
            break
        shown, reasons = shown + 1, reasons + len(item.reasons)
    return PortfolioSummary(as_of, portfolio.settings.currency, portfolio_totals(portfolio, table),
                            classes_against_capacity(table, portfolio.settings), tuple(actions[:shown]),
                            tuple(a.name for a in actions[shown:]), left_out(portfolio))


def left_out(portfolio: Portfolio) -> str | None:
    """The accounts left out of the portfolio because values are still marked TODO, in words
    (`acme-industrial (17 values marked TODO)`), or None when every account is filled in."""
    marks = sorted(portfolio.left_out.items())
    return wording.and_list([f"{i} ({wording.plural(n, 'value')} marked TODO)" for i, n in marks]) or None


def left_out_facts(portfolio: Portfolio) -> list[tuple[str, str]]:
    """The left-out accounts as a fact for the overview's opening table (none when there are none)."""
    text = left_out(portfolio)
    return [] if text is None else [("Left out, not filled in yet", text)]
