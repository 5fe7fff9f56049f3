"""Step 3 of the method: the mutual customer scorecard and the account's class.

The scorecard watches both sides: how the customer behaves toward us (willingness to
partner, transparency, growth potential, responsiveness) and how we behave toward it
(willingness to partner, transparency, contribution to its growth). Each side's weighted
score is Σ weight × score with the portfolio's weights, on the 1..5 scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from kamlib.parameters.model import Account, AccountClass, Assessment, PortfolioSettings, ScorecardWeights

# A class's colour when its settings give none, by the class's rank (most demanding first); the
# palette repeats beyond its length. Four classes get the colours the workbook always had.
CLASS_PALETTE = ("#1b7837", "#5aae61", "#f1a340", "#b2abd2", "#8073ac", "#d6604d", "#4393c3", "#878787")
NOT_SET = "not set in portfolio.yaml"


def side_scores(assessment: Assessment, weights: ScorecardWeights) -> tuple[float, float]:
    """(customer score, supplier score): Σ weight × score on each side of one assessment."""
    customer = sum(w * getattr(assessment.customer, k) for k, w in weights.customer.model_dump().items())
    supplier = sum(w * getattr(assessment.supplier, k) for k, w in weights.supplier.model_dump().items())
    return customer, supplier


def latest_assessment(account: Account, as_of: date) -> Assessment | None:
    """The newest assessment dated on or before the planning date (None if there is none)."""
    dated = [a for a in account.scorecard if a.date <= as_of]
    return max(dated, key=lambda a: a.date) if dated else None


def classify(customer: float, supplier: float, classes: list[AccountClass]) -> str:
    """The first class whose `customer_min` and `supplier_min` both hold."""
    for cls in classes:
        if customer >= cls.customer_min - 1e-9 and supplier >= cls.supplier_min - 1e-9:
            return cls.name
    return classes[-1].name


def class_is_key(settings: PortfolioSettings, class_name: str | None) -> bool:
    """Whether accounts of this class are key accounts (they count against `capacity`).

    The class's `key` setting when it has one; otherwise true for the first half of the classes,
    rounded down (2 of 4, 1 of 3, 2 of 5), false for the others. A class not in the settings
    (or None: not assessed) is not key. The one place this rule lives.
    """
    classes = settings.scorecard.classes
    for rank, cls in enumerate(classes):
        if cls.name == class_name:
            return cls.key if cls.key is not None else rank < len(classes) // 2
    return False


def class_settings(settings: PortfolioSettings, class_name: str | None) -> AccountClass | None:
    """The class of this name in the portfolio's settings (None for an unknown class or None)."""
    return next((c for c in settings.scorecard.classes if c.name == class_name), None)


def class_colours(settings: PortfolioSettings) -> dict[str, str]:
    """Each class's colour in every chart, in rank order: its `colour` setting, else the palette's
    colour for its rank (`CLASS_PALETTE`). The one place this default lives."""
    return {c.name: c.colour or CLASS_PALETTE[rank % len(CLASS_PALETTE)]
            for rank, c in enumerate(settings.scorecard.classes)}


def scorecard_table(account: Account, settings: PortfolioSettings, as_of: date) -> pd.DataFrame:
    """One row per assessment up to `as_of`: the attributes, both weighted scores and the class."""
    weights = settings.scorecard.weights
    rows = []
    for a in account.scorecard:
        if a.date > as_of:
            continue
        customer, supplier = side_scores(a, weights)
        rows.append({
            "date": a.date,
            **{f"customer.{k}": v for k, v in a.customer.model_dump().items()},
            **{f"supplier.{k}": v for k, v in a.supplier.model_dump().items()},
            "customer_score": customer,
            "supplier_score": supplier,
            "class": classify(customer, supplier, settings.scorecard.classes),
            "evidence": a.evidence,
        })
    return pd.DataFrame(rows)


def resource_table(settings: PortfolioSettings) -> pd.DataFrame:
    """The portfolio's classes with their thresholds and what each means for resources, all from
    the class settings: whether it is key (counts against capacity), the team we commit
    (`team_size`, None when not set), the resources and the colour. Nothing is made up for a
    class whose settings say nothing."""
    classes, colours = settings.scorecard.classes, class_colours(settings)
    return pd.DataFrame({
        "class": [c.name for c in classes], "customer_min": [c.customer_min for c in classes],
        "supplier_min": [c.supplier_min for c in classes], "key": [class_is_key(settings, c.name) for c in classes],
        "team_size": pd.Series([c.team_size for c in classes], dtype=object),  # None stays None, not NaN
        "resources": [c.resources or NOT_SET for c in classes], "colour": [colours[c.name] for c in classes]})


def assessment_matrix(table: pd.DataFrame) -> pd.DataFrame:
    """The scorecard turned for reading: one row per attribute (and the weighted scores and
    class), one column per assessment date."""
    if table.empty:
        return pd.DataFrame()
    body = table.drop(columns=["evidence"]).set_index("date").T
    body.columns = [str(d) for d in body.columns]
    named = {"customer_score": "customer: weighted score", "supplier_score": "us: weighted score"}
    labels = [named.get(i) or i.replace("customer.", "customer: ").replace("supplier.", "us: ").replace("_", " ")
              for i in body.index]
    return body.set_axis(labels, axis=0).rename_axis("attribute").reset_index()


@dataclass(frozen=True)
class Flag:
    """A mismatch between the two sides of the scorecard."""

    kind: str  # "under_investing" | "opportunistic_customer"
    message: str


def mismatch_flags(account: Account, settings: PortfolioSettings, as_of: date) -> list[Flag]:
    """Where the two sides of the relationship do not match.

    - under-investing: in the latest assessment the customer's weighted score exceeds ours by
      0.5 or more, or its willingness to partner exceeds ours by a full point;
    - opportunistic customer: in each of the last two assessments the customer's transparency
      or responsiveness is 2 or lower while our side scores 3.5 or more (we invest, it does not
      reciprocate).
    """
    table = scorecard_table(account, settings, as_of)
    flags: list[Flag] = []
    if table.empty:
        return flags
    latest = table.iloc[-1]
    gap = latest["customer_score"] - latest["supplier_score"]
    willing_gap = latest["customer.willingness_to_partner"] - latest["supplier.willingness_to_partner"]
    if gap >= 0.5 - 1e-9 or willing_gap >= 1:
        flags.append(Flag("under_investing",
                          f"The customer is more willing than we are ({latest['customer_score']:.2f} against our "
                          f"{latest['supplier_score']:.2f}; willingness to partner {latest['customer.willingness_to_partner']:g} "
                          f"against our {latest['supplier.willingness_to_partner']:g}): we may be under-investing."))
    last_two = table.tail(2)
    if len(last_two) == 2:
        guarded = (last_two["customer.transparency"] <= 2) | (last_two["customer.responsiveness"] <= 2)
        invested = last_two["supplier_score"] >= 3.5
        if (guarded & invested).all():
            flags.append(Flag("opportunistic_customer",
                              "We invest (our side ≥ 3.5) while the customer stays guarded: transparency or "
                              "responsiveness at 2 or lower in both of the last two assessments."))
    return flags
