"""The typed model of the parameter files, in the words of the method.

Field checks (types, ranges, enumerations, unknown keys) live here; rules that span fields
(weights summing to 1, references between ids) live in `kamlib.parameters.rules`.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$"


def _finite(value: float) -> None:
    if not math.isfinite(value):
        raise PydanticCustomError("range", "expected a finite number, got {got}", {"got": str(value)})


def _between(lo: float, hi: float):
    def check(value: float) -> float:
        _finite(value)
        if not lo <= value <= hi:
            raise PydanticCustomError("range", "must be between {lo} and {hi}, got {got}",
                                      {"lo": _num(lo), "hi": _num(hi), "got": _num(value)})
        return value
    return AfterValidator(check)


def _at_least(lo: float):
    def check(value: float) -> float:
        _finite(value)
        if value < lo:
            raise PydanticCustomError("range", "must be at least {lo}, got {got}", {"lo": _num(lo), "got": _num(value)})
        return value
    return AfterValidator(check)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _text_from_scalar(value: Any) -> Any:
    # A target like `40` or `6%` is text to us; YAML may hand us a number.
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


MAX_TEXT = 5_000     # characters in one text field: a long paragraph fits, a pasted e-mail thread does not
MAX_NOTES = 20_000   # the free-form internal notes of an account

Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
FreeText = Annotated[str, BeforeValidator(_text_from_scalar), Field(min_length=1, max_length=MAX_TEXT)]
Fraction = Annotated[float, _between(0, 1)]
Score = Annotated[float, _between(1, 5)]
Money = Annotated[float, _at_least(0)]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]

Horizon = Literal["short", "medium", "long"]
ForceKind = Literal["technology", "mergers_acquisitions", "investor_pressure", "consumer_demand",
                    "globalisation", "complexity", "purchasing_dynamics", "regulation", "other"]
OurFunction = Literal["sales", "operations", "finance", "product_development", "service", "executive", "other"]
TheirFunction = Literal["executive", "procurement", "operations", "finance", "product_development",
                        "quality", "marketing", "other"]
Level = Literal["executive", "management", "operational"]
BuyingRole = Literal["decision_maker", "influencer", "sponsor", "coach", "user", "gatekeeper"]
Ladder = Literal["vendor", "preferred_supplier", "strategic_partner"]
Cell = Literal["won", "open", "competitor", "none"]
Status = Literal["planned", "in_progress", "done", "blocked", "cancelled"]

LADDER_ORDER: tuple[Ladder, ...] = ("vendor", "preferred_supplier", "strategic_partner")
US = "us"


class Strict(BaseModel):
    # Folded YAML text (`>`) ends in a newline; strip it so findings read as sentences.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, str_strip_whitespace=True)


# --- portfolio.yaml -------------------------------------------------------------------------

class CustomerWeights(Strict):
    willingness_to_partner: Fraction
    transparency: Fraction
    growth_potential: Fraction
    responsiveness: Fraction


class SupplierWeights(Strict):
    willingness_to_partner: Fraction
    transparency: Fraction
    contribution_to_growth: Fraction


class ScorecardWeights(Strict):
    customer: CustomerWeights
    supplier: SupplierWeights


class AccountClass(Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    customer_min: Annotated[float, _between(0, 5)]
    supplier_min: Annotated[float, _between(0, 5)]


class ScorecardSettings(Strict):
    weights: ScorecardWeights
    classes: Annotated[list[AccountClass], Field(min_length=1)]


class AttractivenessWeights(Strict):
    """Weights of the factors of account attractiveness (see `kamlib.method.portfolio`)."""

    wallet: Fraction = 0.0
    growth_potential: Fraction = 0.0
    margin: Fraction = 0.0
    willingness_to_partner: Fraction = 0.0


class PortfolioSettings(Strict):
    supplier: Text
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    as_of: date
    capacity: Annotated[int, _between(1, 1000)] = 25
    scorecard: ScorecardSettings
    attractiveness: AttractivenessWeights


# --- accounts/<id>.yaml ---------------------------------------------------------------------

class TeamMember(Strict):
    name: Text
    role: Text
    function: OurFunction


class Business(Strict):
    strategy: Text
    operations: Text
    advantages: list[Text]
    disadvantages: list[Text]


class YearFinancials(Strict):
    year: Annotated[int, _between(1900, 2200)]
    revenue: Money
    gross_margin: Annotated[float, _between(-1, 1)]
    cost_to_serve: Money
    wallet: Money

    @property
    def gross_profit(self) -> float:
        return self.revenue * self.gross_margin

    @property
    def profit(self) -> float:
        """Profit after cost to serve: revenue × gross margin − cost to serve."""
        return self.revenue * self.gross_margin - self.cost_to_serve


class Force(Strict):
    force: ForceKind
    description: Text
    impact: Annotated[int, _between(-2, 2)]
    likelihood: Fraction
    horizon: Horizon
    implication: Text


class BuyingCriterion(Strict):
    criterion: Text
    weight: Fraction
    scores: dict[str, Score]


class Competitor(Strict):
    name: Text
    share_of_wallet: Fraction | None = None
    ladder: Ladder


class CustomerSide(Strict):
    willingness_to_partner: Score
    transparency: Score
    growth_potential: Score
    responsiveness: Score


class SupplierSide(Strict):
    willingness_to_partner: Score
    transparency: Score
    contribution_to_growth: Score


class Assessment(Strict):
    date: date
    customer: CustomerSide
    supplier: SupplierSide
    evidence: Text


class Contact(Strict):
    name: Text
    title: Text
    function: TheirFunction
    level: Level
    influence: Annotated[int, _between(1, 5)]
    buying_role: BuyingRole | None = None
    attitude: Annotated[int, _between(-2, 2)]
    owner: Text
    last_contact: date


class WhitespaceUnit(Strict):
    unit: Text
    cells: dict[str, Cell]


class Whitespace(Strict):
    offerings: Annotated[list[Text], Field(min_length=1)]
    units: Annotated[list[WhitespaceUnit], Field(min_length=1)]


class Objective(Strict):
    id: Text
    statement: Text
    metric: FreeText
    target: FreeText
    due: date
    shared: bool


class Strategy(Strict):
    id: Text
    statement: Text
    objectives: Annotated[list[Text], Field(min_length=1)]
    shared: bool


class Project(Strict):
    id: Text
    title: Text
    strategy: Text
    owner: Text
    customer_owner: Text
    start: date
    due: date
    status: Status
    shared: bool


class JointPlan(Strict):
    vision: Text
    mission: Text
    objectives: list[Objective]
    strategies: list[Strategy]
    projects: list[Project]


class Account(Strict):
    id: Slug
    name: Text
    industry: Text
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    team: Annotated[list[TeamMember], Field(min_length=1)]
    competes_with: list[Slug] = []
    business: Business
    financials: Annotated[list[YearFinancials], Field(min_length=1)]
    environment: list[Force]
    buying_criteria: Annotated[list[BuyingCriterion], Field(min_length=1)]
    competitors: Annotated[list[Competitor], Field(min_length=1)]
    scorecard: Annotated[list[Assessment], Field(min_length=1)]
    relationships: list[Contact]
    whitespace: Whitespace | None = None
    joint_plan: JointPlan
    notes: Annotated[str, Field(max_length=MAX_NOTES)] | None = None

    @property
    def rivals(self) -> list[Competitor]:
        """The competitors in the account other than us."""
        return [c for c in self.competitors if c.name != US]

    @property
    def us(self) -> Competitor:
        return next(c for c in self.competitors if c.name == US)


def readable(name: str) -> str:
    """A key as words for a reader: `willingness_to_partner` → `willingness to partner`."""
    return name.replace("_", " ")
