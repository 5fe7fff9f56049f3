"""The typed model of the parameter files, in the words of the method.

Field checks (types, ranges, enumerations, unknown keys) live here; rules that span fields
(weights summing to 1, references between ids) live in `kamlib.parameters.rules`. Every field
carries a description in the user's words: `kamlib.parameters.schema` turns the models into the
JSON Schema an editor checks a parameter file against as it is typed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue, WithJsonSchema
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$"


def _finite(value: float) -> None:
    if isinstance(value, int):  # any whole number is finite; math.isfinite overflows on a huge one
        return
    if not math.isfinite(value):
        raise PydanticCustomError("range", "expected a finite number, got {got}", {"got": str(value)})


@dataclass(frozen=True)
class _Range:
    """A number's allowed range, checked after its type with our own message.

    Not pydantic's `ge`/`le`, whose messages read worse; the JSON Schema still carries the range
    as `minimum`/`maximum`, so an editor flags a score of 7 as it is typed.
    """

    lo: float
    hi: float | None = None  # None: no upper bound

    def check(self, value: float) -> float:
        _finite(value)
        if self.hi is None and value < self.lo:
            raise PydanticCustomError("range", "must be at least {lo}, got {got}",
                                      {"lo": _num(self.lo), "got": _num(value)})
        if self.hi is not None and not self.lo <= value <= self.hi:
            raise PydanticCustomError("range", "must be between {lo} and {hi}, got {got}",
                                      {"lo": _num(self.lo), "hi": _num(self.hi), "got": _num(value)})
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        bounds = {"minimum": self.lo} if self.hi is None else {"minimum": self.lo, "maximum": self.hi}
        return {**handler(schema), **bounds}


def _between(lo: float, hi: float) -> _Range:
    return _Range(lo, hi)


def _at_least(lo: float) -> _Range:
    return _Range(lo)


def _num(x: float) -> str:
    if isinstance(x, int):
        text = str(x)
        return text if len(text) <= 20 else f"{text[:8]}…({len(text)} digits)"
    return str(int(x)) if x.is_integer() else str(x)


def _text_from_scalar(value: Any) -> Any:
    # A target like `40` or `6%` is text to us; YAML may hand us a number.
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


MAX_TEXT = 5_000     # characters in one text field: a long paragraph fits, a pasted e-mail thread does not
MAX_NOTES = 20_000   # the free-form internal notes of an account

Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
# An editor must accept what the model accepts: text, or a number it reads as text.
FreeText = Annotated[str, BeforeValidator(_text_from_scalar), Field(min_length=1, max_length=MAX_TEXT),
                     WithJsonSchema({"anyOf": [{"type": "string", "minLength": 1, "maxLength": MAX_TEXT},
                                               {"type": "number"}]})]
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
ProjectStatus = Literal["planned", "in_progress", "done", "blocked", "cancelled"]
ForUs = Literal["opportunity", "threat", "both"]
Stage = Literal["identified", "qualified", "proposal", "negotiation", "won", "lost"]
RiskStatus = Literal["open", "mitigated", "closed", "occurred"]
PlanStatus = Literal["draft", "reviewed", "agreed"]
InsightKind = Literal["said", "observed", "data", "rumour"]
ResourceChange = Literal["added", "withdrawn", "kept"]
Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]

LADDER_ORDER: tuple[Ladder, ...] = ("vendor", "preferred_supplier", "strategic_partner")
US = "us"


class Strict(BaseModel):
    """A part of a parameter file: unknown keys are errors (usually typos), values are taken as
    written (a quoted "3" is not a score), and a loaded model is read-only."""

    # Folded YAML text (`>`) ends in a newline; strip it so findings read as sentences.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, str_strip_whitespace=True)


# --- portfolio.yaml -------------------------------------------------------------------------

class CustomerWeights(Strict):
    """How much each attribute of the customer's side counts in its customer score (0..1 each, summing to 1)."""

    willingness_to_partner: Fraction = Field(
        description="Weight (0..1) of the customer's willingness to partner: to plan jointly, share and commit "
                    "beyond the next tender.")
    transparency: Fraction = Field(
        description="Weight (0..1) of the customer's transparency: how openly it shares its strategy, plans and "
                    "figures with us.")
    growth_potential: Fraction = Field(
        description="Weight (0..1) of the customer's growth potential in our category.")
    responsiveness: Fraction = Field(
        description="Weight (0..1) of the customer's responsiveness to our account strategy.")


class SupplierWeights(Strict):
    """How much each attribute of our own side counts in the supplier score (0..1 each, summing to 1).

    The attributes are mutual: we are assessed as the customer is.
    """

    willingness_to_partner: Fraction = Field(
        description="Weight (0..1) of our willingness to partner with the customer: to invest in it and adapt our "
                    "own ways of working.")
    transparency: Fraction = Field(
        description="Weight (0..1) of our transparency toward the customer: how openly we share costs, plans and "
                    "problems.")
    contribution_to_growth: Fraction = Field(
        description="Weight (0..1) of how much we actually contribute to the customer's growth.")


class ScorecardWeights(Strict):
    """The weights of the scorecard attributes, one set for each side of the relationship."""

    customer: CustomerWeights = Field(
        description="Weights of the customer's side: willingness_to_partner, transparency, growth_potential, "
                    "responsiveness; they sum to 1 (±0.01).")
    supplier: SupplierWeights = Field(
        description="Weights of our side: willingness_to_partner, transparency, contribution_to_growth; they sum "
                    "to 1 (±0.01).")


class AccountClass(Strict):
    """A class of the account classification (e.g. strategic partner, key account, develop, maintain).

    An account takes the first class whose two minimums its latest assessment meets; the class
    decides the resources the account gets.
    """

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")] = Field(
        description="The class's name, unique: lower-case letters, digits and '_' (e.g. strategic_partner, "
                    "tier_1). Your own word: documents show it with spaces for '_', and nothing depends on it.")
    customer_min: Annotated[float, _between(0, 5)] = Field(
        description="The lowest customer score (the customer's side of the latest assessment, weighted, 0..5) an "
                    "account needs for this class; 0: no minimum.")
    supplier_min: Annotated[float, _between(0, 5)] = Field(
        description="The lowest supplier score (our side of the latest assessment, weighted, 0..5) an account needs "
                    "for this class; 0: no minimum.")
    key: bool | None = Field(
        None, description="(optional) true: an account of this class counts against `capacity` as a key account. "
                          "Default: true for the first half of the classes, rounded down (2 of 4, 1 of 3, 2 of 5).")
    team_size: Annotated[int, _between(0, 100)] | None = Field(
        None, description="(optional) How many people we commit to an account team of this class (the recommended "
                          "effort), 0..100.")
    resources: Text | None = Field(
        None, description="(optional) The resources an account of this class gets, in a sentence (the resource "
                          "guidance the scorecard shows).")
    colour: Colour | None = Field(
        None, description="(optional) The class's colour in every chart, #rrggbb. Default: a fixed palette by the "
                          "class's rank.")


class ScorecardSettings(Strict):
    """How the customer scorecard weighs its attributes and classifies the accounts."""

    weights: ScorecardWeights = Field(
        description="Weights of the scorecard attributes, for the customer's side and for ours.")
    classes: Annotated[list[AccountClass], Field(min_length=1)] = Field(
        description="The account classes, most demanding first (at least one): the first whose minimums hold "
                    "wins. The last must have both minimums at 0, so that it takes every account left.")


class AttractivenessWeights(Strict):
    """Weights of the factors of account attractiveness, for the portfolio matrix (see `kamlib.method.portfolio`).

    Each weight is 0..1 and together they sum to 1 (±0.01); a factor left out weighs 0.
    """

    wallet: Fraction = Field(
        0.0, description="Weight (0..1) of the customer's total spend in our category in the latest year, on a log "
                         "scale: 100 thousand → 0, 100 million → 1 (in the portfolio's currency).")
    growth_potential: Fraction = Field(
        0.0, description="Weight (0..1) of the customer's growth potential in the latest assessment (1..5 read as "
                         "0..1).")
    margin: Fraction = Field(
        0.0, description="Weight (0..1) of the latest year's margin after cost to serve: −10% → 0, +30% → 1.")
    willingness_to_partner: Fraction = Field(
        0.0, description="Weight (0..1) of the customer's willingness to partner in the latest assessment (1..5 read "
                         "as 0..1).")


class PortfolioSettings(Strict):
    """`portfolio.yaml`: the supplier's settings, shared by every account of the portfolio."""

    supplier: Text = Field(description="Our company's name, as the plan documents show it.")
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = Field(
        description="The currency of every amount in the account files: an ISO 4217 code in capitals (e.g. GBP).")
    as_of: date = Field(
        description="The default planning date (YYYY-MM-DD): plans use the assessments and figures as of this "
                    "day. `kam run --as-of` overrides it.")
    capacity: Annotated[int, _between(1, 1000)] = Field(
        25, description="(optional, default 25) How many accounts we can run as key accounts, 1..1000; the method "
                        "says 20-30.")
    scorecard: ScorecardSettings = Field(description="The weights of the customer scorecard and the account classes.")
    attractiveness: AttractivenessWeights = Field(
        description="Weights of the factors of account attractiveness for the portfolio matrix (wallet, "
                    "growth_potential, margin, willingness_to_partner); they sum to 1 (±0.01).")


# --- accounts/<id>.yaml ---------------------------------------------------------------------

class TeamMember(Strict):
    """A person on our account team; the team's names are the owners named elsewhere in the file."""

    name: Text = Field(description="The person's name, unique in the team: contacts and projects name their "
                                   "owner by it.")
    role: Text = Field(description="Their role on the account, e.g. Key account director.")
    function: OurFunction = Field(
        description="Their function in our company: sales, operations, finance, product_development, service, "
                    "executive or other. A team beyond sales pairs our functions with the customer's.")


class Business(Strict):
    """The customer's own business: what it is trying to do, and how it stands against its competitors."""

    strategy: Text = Field(description="The customer's strategy: what it wants to achieve over the next 3-5 years.")
    operations: Text = Field(description="How the customer operates: sites, how it buys, who decides.")
    advantages: list[Text] = Field(
        description="Where the customer beats its own competitors, one item each (may be empty).")
    disadvantages: list[Text] = Field(
        description="Where the customer is weaker than its own competitors, one item each (may be empty).")


class YearFinancials(Strict):
    """One year of the account's economics, in the portfolio's currency."""

    year: Annotated[int, _between(1900, 2200)] = Field(
        description="The calendar year, 1900..2200; one row per year, oldest first.")
    revenue: Money = Field(description="Our revenue with this account in the year, >= 0.")
    gross_margin: Annotated[float, _between(-1, 1)] = Field(
        description="Our gross margin on that revenue as a fraction, -1..1 (0.30 is 30%).")
    cost_to_serve: Money = Field(
        description="What serving the account cost us in the year, >= 0: sales, service, logistics, the key "
                    "account team.")
    wallet: Money = Field(
        description="The customer's total spend in our category in the year, >= revenue; our share of wallet is "
                    "revenue / wallet.")
    forecast: bool = Field(
        False, description="(optional, default false) true: the year is not closed and its figures are partly "
                           "forecast. It is still the latest year, shown as forecast wherever it appears.")

    @property
    def gross_profit(self) -> float:
        """Gross profit before cost to serve: revenue × gross margin."""
        return self.revenue * self.gross_margin

    @property
    def profit(self) -> float:
        """Profit after cost to serve: revenue × gross margin − cost to serve."""
        return self.revenue * self.gross_margin - self.cost_to_serve


class Target(Strict):
    """What we aim for with this account in a coming year."""

    year: Annotated[int, _between(1900, 2200)] = Field(
        description="The year of the target: unique, later than the latest closed (non-forecast) financials year.")
    revenue: Money = Field(description="Our revenue target with this account in the year, >= 0.")
    profit: Annotated[float, _Range(-1e15, 1e15)] | None = Field(
        None, description="(optional) The profit target after cost to serve (revenue × gross margin − cost to serve).")
    share_of_wallet: Fraction | None = Field(
        None, description="(optional) The share of the customer's category spend we aim for, 0..1.")


class Force(Strict):
    """A force acting on the customer's business: how hard and how likely it hits the customer,
    when, and what it means for us (the environment analysis)."""

    id: Text | None = Field(
        None, description="(optional) A short id, unique in the account (e.g. F1): strategies (`answers`) and risks "
                          "(`force`) refer to the force by it.")
    force: ForceKind = Field(
        description="The kind of force: technology, mergers_acquisitions, investor_pressure, consumer_demand, "
                    "globalisation, complexity, purchasing_dynamics, regulation or other.")
    description: Text = Field(description="What is happening, in a sentence or two.")
    impact: Annotated[int, _between(-2, 2)] = Field(
        description="Its effect on the customer, a whole number from -2 (hurts it badly) to 2 (helps it a lot).")
    likelihood: Fraction = Field(description="How likely it is to happen, 0..1.")
    horizon: Horizon = Field(
        description="When it bites: short (within a year), medium (1-3 years) or long (beyond 3 years).")
    for_us: ForUs | None = Field(
        None, description="(optional) What the force means for us: opportunity, threat or both. `impact` is what it "
                          "does to the customer; a force that hurts the customer can be our opportunity.")
    implication: Text = Field(
        description="What it means for us, opportunity or threat, and how our offer should answer it.")


class BuyingCriterion(Strict):
    """One of the customer's buying criteria: its weight, and how the customer rates each supplier on it."""

    criterion: Text = Field(
        description="What the customer buys on, e.g. price, innovation, responsiveness, ease_of_doing_business; "
                    "unique.")
    weight: Fraction = Field(
        description="Its weight in the customer's decision, 0..1; the criteria's weights sum to 1 (±0.01).")
    scores: dict[str, Score] = Field(
        description="Each supplier's score on this criterion, 1..5, by name: `us` (required) and every competitor "
                    "listed in competitors.")


class Competitor(Strict):
    """A supplier holding part of the customer's spend in our category, and its rung on the
    relationship ladder; the entry named `us` is ours."""

    name: Text = Field(description="The competitor's name, unique; `us` for our own entry (required).")
    share_of_wallet: Fraction | None = Field(
        None, description="Its share of the customer's spend in our category, 0..1. Leave it out for `us`: ours is "
                          "revenue / wallet of the latest year. All shares, ours included, sum to at most 1.")
    ladder: Ladder = Field(
        description="Its rung on the relationship ladder: vendor, preferred_supplier or strategic_partner.")


class CustomerSide(Strict):
    """The customer's side of an assessment: how it behaves toward us, each attribute scored 1..5."""

    willingness_to_partner: Score = Field(
        description="Is the customer willing to partner with us: to plan jointly and commit beyond tenders? 1..5.")
    transparency: Score = Field(description="Does it share its strategy, plans and figures with us? 1..5.")
    growth_potential: Score = Field(description="How much can it grow in our category? 1..5.")
    responsiveness: Score = Field(
        description="Does it respond to our account strategy, or buy opportunistically? 1..5.")


class SupplierSide(Strict):
    """Our side of an assessment: how we behave toward the customer, each attribute scored 1..5
    (the attributes are mutual)."""

    willingness_to_partner: Score = Field(
        description="Are we willing to partner with the customer: to invest, adapt and commit? 1..5.")
    transparency: Score = Field(description="Are we open with the customer about costs, plans and problems? 1..5.")
    contribution_to_growth: Score = Field(description="Are we actually helping the customer grow? 1..5.")


class Assessment(Strict):
    """One dated assessment of the customer scorecard, both sides, with the evidence behind the scores.

    Reassessed each planning cycle: the trend matters as much as the level.
    """

    # Annotated, not `= Field(...)`: a default named `date` would hide the type `date` in the class.
    date: Annotated[date, Field(
        description="When the assessment was made (YYYY-MM-DD); assessments are oldest first, one per date. The "
                    "latest on or before the planning date is the account's current one.")]
    customer: CustomerSide = Field(
        description="The customer's side: willingness_to_partner, transparency, growth_potential, responsiveness, "
                    "each 1..5.")
    supplier: SupplierSide = Field(
        description="Our side: willingness_to_partner, transparency, contribution_to_growth, each 1..5.")
    evidence: Text = Field(description="What the scores rest on: what the customer did or said, and what we did.")


class Contact(Strict):
    """A person at the customer: where they sit, how much they weigh on the buying decision, how
    they see us, and who on our team owns the relationship."""

    name: Text = Field(description="The contact's name.")
    title: Text = Field(description="Their job title.")
    function: TheirFunction = Field(
        description="Their function: executive, procurement, operations, finance, product_development, quality, "
                    "marketing or other.")
    level: Level = Field(description="Their level: executive, management or operational.")
    influence: Annotated[int, _between(1, 5)] = Field(
        description="Their influence on the buying decision, a whole number from 1 (little) to 5 (decisive).")
    buying_role: BuyingRole | None = Field(
        None, description="(optional) Their role in the buying decision: decision_maker, influencer, sponsor, coach, "
                          "user or gatekeeper.")
    attitude: Annotated[int, _between(-2, 2)] = Field(
        description="Their attitude toward us, a whole number from -2 (detractor) to 2 (champion). Internal: never "
                    "in the customer-facing plan.")
    owner: Text = Field(description="Who on our team owns the relationship: a name in team.")
    last_contact: date = Field(description="When we last met or spoke with them (YYYY-MM-DD).")
    reports_to: Text | None = Field(
        None, description="(optional) The contact they report to: another name in relationships. Draws the "
                          "organisation chart.")


class WhitespaceUnit(Strict):
    """A unit of the customer (a business, site or product category) and where we stand with each
    of our offerings in it."""

    unit: Text = Field(description="The customer's unit: a business, site or product category; unique.")
    cells: dict[str, Cell] = Field(
        description="For each offering (a name in whitespace.offerings): won (we supply it), open (nobody does "
                    "yet), competitor (a competitor supplies it) or none (of no use here, as is an offering left "
                    "out).")
    potential: dict[str, Money] = Field(
        {}, description="(optional) For an open or competitor cell: the yearly revenue it could bring us, by "
                        "offering.")


class Whitespace(Strict):
    """Where we could sell more: the customer's units against our offerings (the whitespace map)."""

    offerings: Annotated[list[Text], Field(min_length=1)] = Field(
        description="Our offerings, the columns of the map: at least one, unique.")
    units: Annotated[list[WhitespaceUnit], Field(min_length=1)] = Field(
        description="The customer's units, the rows of the map: at least one.")


class Measure(Strict):
    """An objective's metric as numbers: where we started, where we are, where we agreed to be.
    A goal below the baseline means lower is better."""

    baseline: Annotated[float, _Range(-1e15, 1e15)] = Field(description="Where we started.")
    current: Annotated[float, _Range(-1e15, 1e15)] = Field(description="Where we are now.")
    goal: Annotated[float, _Range(-1e15, 1e15)] = Field(
        description="Where we agreed to be by the objective's due date; lower than the baseline when lower is "
                    "better.")


class Objective(Strict):
    """A measurable objective of the joint business plan."""

    id: Text = Field(description="A short id, unique in the plan (e.g. O1): strategies name the objectives they "
                                 "serve by it.")
    statement: Text = Field(description="The objective, in a sentence.")
    metric: FreeText = Field(description="How it is measured, e.g. Packaging cost per 1,000 units (GBP).")
    target: FreeText = Field(
        description="The value of the metric to reach by the due date, e.g. 6% below the 2025 baseline (text; a "
                    "plain number is read as text).")
    due: date = Field(description="When the target must be met (YYYY-MM-DD).")
    shared: bool = Field(
        description="true: it appears in the customer-facing joint plan; false: internal only.")
    measure: Measure | None = Field(
        None, description="(optional) The metric as numbers (baseline, current, goal), for progress.")


class Strategy(Strict):
    """A strategy of the joint business plan: how one or more objectives will be achieved."""

    id: Text = Field(description="A short id, unique in the plan (e.g. S1): projects name their strategy by it.")
    statement: Text = Field(description="The strategy, in a sentence.")
    objectives: Annotated[list[Text], Field(min_length=1)] = Field(
        description="The ids of the objectives it serves (at least one), from joint_plan.objectives.")
    shared: bool = Field(
        description="true: it appears in the customer-facing joint plan; false: internal only.")
    answers: list[Text] = Field(
        [], description="(optional) The ids of the forces (environment) this strategy answers.")


class NextStep(Strict):
    """A concrete action under a project, with an owner and a date."""

    action: Text = Field(description="What is to be done, in a sentence.")
    owner: Text = Field(description="Who does it: a name in team (ours) or in relationships (the customer's side).")
    due: date = Field(description="When it is due (YYYY-MM-DD).")
    done: bool = Field(False, description="(optional, default false) true once it is done.")


class Project(Strict):
    """A project of the joint business plan, with an owner on each side, dates and a status."""

    id: Text = Field(description="A short id, unique in the plan (e.g. P1).")
    title: Text = Field(description="What the project is, in a few words.")
    strategy: Text = Field(description="The id of the strategy it carries out, from joint_plan.strategies.")
    owner: Text = Field(description="Our owner of the project: a name in team.")
    customer_owner: Text = Field(
        description="The owner on the customer's side: a name, or a role while the person is not known.")
    start: date = Field(description="When it starts (YYYY-MM-DD).")
    due: date = Field(
        description="When it is due (YYYY-MM-DD), on or after start. A project neither done nor cancelled is "
                    "overdue after this date.")
    status: ProjectStatus = Field(description="Where it stands: planned, in_progress, done, blocked or cancelled.")
    shared: bool = Field(
        description="true: it appears in the customer-facing joint plan; false: internal only.")
    next_steps: list[NextStep] = Field(
        [], description="(optional) The concrete actions, oldest first, with owners on either side and dates.")
    decision_needed: Text | None = Field(
        None, description="(optional) What we need the customer to decide for the project to go on.")


class ValueDelivered(Strict):
    """A result the partnership achieved for the customer, for the joint plan and the review."""

    date: Annotated[date, Field(description="When it was achieved (YYYY-MM-DD).")]
    result: Text = Field(description="What was achieved, in a sentence.")
    value: Money | None = Field(
        None, description="(optional) Its money value to the customer, in the portfolio's currency.")
    project: Text | None = Field(None, description="(optional) The id of the project that delivered it.")
    shared: bool = Field(
        description="true: it appears in the customer-facing joint plan; false: internal only.")


class JointPlan(Strict):
    """The joint business plan agreed with the customer: a shared vision and mission, measurable
    objectives, the strategies that achieve them and projects staffed from both sides."""

    vision: Text = Field(description="The shared vision: where the partnership is heading, in a sentence.")
    mission: Text = Field(description="The shared mission: what the two companies do together to get there.")
    objectives: list[Objective] = Field(
        description="Measurable objectives, each with a metric, a target and a due date (may be empty).")
    strategies: list[Strategy] = Field(description="The strategies that achieve the objectives (may be empty).")
    projects: list[Project] = Field(
        description="The projects that carry out the strategies, with owners on both sides (may be empty).")
    value_delivered: list[ValueDelivered] = Field(
        [], description="(optional) Results achieved together, shown back to the customer in the joint plan.")


class Opportunity(Strict):
    """A sale we are pursuing in this account: one entry of the pipeline."""

    id: Text = Field(description="A short id, unique in the account (e.g. OP1).")
    title: Text = Field(description="What we would sell, in a few words.")
    value: Annotated[float, _Range(0.01, 1e15)] = Field(description="The yearly revenue if won, > 0.")
    probability: Fraction = Field(
        description="How likely it is to close, 0..1; a won opportunity counts as 1 and a lost one as 0 whatever "
                    "is written.")
    stage: Stage = Field(description="identified, qualified, proposal, negotiation, won or lost.")
    close: date = Field(description="The expected (or actual) close date (YYYY-MM-DD).")
    owner: Text = Field(description="Our owner: a name in team.")
    strategy: Text | None = Field(None, description="(optional) The id of the strategy it serves.")
    unit: Text | None = Field(None, description="(optional) The whitespace unit it fills (with `offering`).")
    offering: Text | None = Field(None, description="(optional) The whitespace offering it fills (with `unit`).")
    crm_id: Text | None = Field(None, description="(optional) Its id in the CRM, kept by imports.")


class Risk(Strict):
    """Something that could derail the plan or the account, with an owner and a mitigation."""

    id: Text = Field(description="A short id, unique in the account (e.g. R1).")
    risk: Text = Field(description="What could happen, in a sentence.")
    likelihood: Fraction = Field(description="How likely it is, 0..1.")
    impact: Annotated[int, _between(1, 3)] = Field(description="How much it would hurt: 1 low, 2 medium, 3 high.")
    owner: Text = Field(description="Who on our team owns it: a name in team.")
    mitigation: Text = Field(description="What we do to prevent it or soften it.")
    status: RiskStatus = Field(description="open, mitigated, closed or occurred.")
    due: date | None = Field(None, description="(optional) When the mitigation must be in place (YYYY-MM-DD).")
    force: Text | None = Field(None, description="(optional) The id of the force behind it (environment).")
    contact: Text | None = Field(None, description="(optional) The person it hangs on: a name in relationships.")


class Decision(Strict):
    """A decision on the resources this account gets, taken by the account team (the method: never by
    one account manager alone)."""

    date: Annotated[date, Field(description="When it was decided (YYYY-MM-DD).")]
    decision: Text = Field(description="What was decided, in a sentence.")
    decided_by: Annotated[list[Text], Field(min_length=1)] = Field(
        description="Who decided: names in team (the method asks for at least two).")
    why: Text = Field(description="Why: the strategy, the customer's responsiveness, the class.")
    resources: ResourceChange | None = Field(
        None, description="(optional) What it does to the account's resources: added, withdrawn or kept. With it, "
                          "the decision is checked against the class's trend (resources added while the class "
                          "fell, or withdrawn while it rose, are flagged for discussion).")


class Insight(Strict):
    """Something anyone on our account team learned about the customer, dated, with where it came from."""

    date: Annotated[date, Field(description="When it was learned (YYYY-MM-DD).")]
    source: OurFunction = Field(
        description="Our function that learned it (as the team's functions): sales, operations, finance, "
                    "product_development, service, executive or other.")
    by: Text | None = Field(None, description="(optional) Who learned it: a name in team.")
    kind: InsightKind = Field(
        description="said (what the customer said), observed (how they use what we sell), data (a figure from "
                    "outside) or rumour.")
    insight: Text = Field(description="What was learned, in a sentence or two.")
    contact: Text | None = Field(None, description="(optional) Who said or showed it: a name in relationships.")


class Governance(Strict):
    """How the plan is run with the customer: its status, the review cadence and the sign-off."""

    status: PlanStatus = Field(
        description="draft, reviewed (internally) or agreed (signed off with the customer).")
    review_every_days: Annotated[int, _between(7, 366)] = Field(
        description="The cadence of the joint review (the quarterly business review), in days, 7..366.")
    last_review: date | None = Field(None, description="(optional) When the plan was last reviewed (YYYY-MM-DD).")
    next_review: date | None = Field(None, description="(optional) When it is next reviewed (YYYY-MM-DD).")
    approved_by: Text | None = Field(None, description="(optional) Our approver: a name in team.")
    agreed_with: Text | None = Field(
        None, description="(optional) The customer's signatory: a name in relationships.")
    agreed_on: date | None = Field(
        None, description="(optional) When the plan was agreed (YYYY-MM-DD); required when status is agreed.")
    decisions: list[Decision] = Field(
        [], description="(optional) Decisions on the account's resources, taken by the account team.")


class Account(Strict):
    """An account file, `accounts/<id>.yaml`: one customer's business, our economics and position
    in it, the scorecard, the relationships and the joint business plan."""

    id: Slug = Field(
        description="The account's id: a lower-case slug [a-z0-9-] of 2-64 characters, equal to the file name "
                    "without .yaml ('portfolio' is reserved).")
    name: Text = Field(description="The customer's name, as the plan documents show it.")
    industry: Text = Field(description="The customer's industry.")
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = Field(
        description="The customer's country: an ISO 3166 alpha-2 code in capitals (e.g. GB).")
    team: Annotated[list[TeamMember], Field(min_length=1)] = Field(
        description="Our account team (at least one person); its names are the owners named elsewhere in the file.")
    competes_with: list[Slug] = Field(
        [], description="(optional) Ids of other accounts in the portfolio that are this customer's direct "
                        "competitors: anyone on both teams is flagged, so nothing leaks between them.")
    business: Business = Field(
        description="The customer's own business: strategy, operations, advantages and disadvantages against its "
                    "competitors.")
    financials: Annotated[list[YearFinancials], Field(min_length=1)] = Field(
        description="One row per year, oldest first (at least one): our revenue, gross margin and cost to serve, "
                    "and the customer's spend in our category.")
    targets: list[Target] = Field(
        [], description="(optional) What we aim for with this account, one row per future year.")
    environment: list[Force] = Field(description="The forces acting on the customer's business (may be empty).")
    buying_criteria: Annotated[list[BuyingCriterion], Field(min_length=1)] = Field(
        description="The customer's buying criteria (at least one), weights summing to 1, with each supplier's "
                    "score.")
    competitors: Annotated[list[Competitor], Field(min_length=1)] = Field(
        description="Who holds the customer's spend in our category and where each stands on the relationship "
                    "ladder; an entry named `us` is required.")
    scorecard: Annotated[list[Assessment], Field(min_length=1)] = Field(
        description="Dated assessments of the customer scorecard, oldest first (at least one).")
    relationships: list[Contact] = Field(description="The people at the customer we deal with (may be empty).")
    whitespace: Whitespace | None = Field(
        None, description="(optional) Where we could sell more: the customer's units against our offerings.")
    opportunities: list[Opportunity] = Field(
        [], description="(optional) The pipeline: the sales we are pursuing in this account.")
    risks: list[Risk] = Field([], description="(optional) What could derail the plan or the account.")
    governance: Governance | None = Field(
        None, description="(optional) How the plan is run with the customer: status, review cadence, sign-off.")
    insights: list[Insight] = Field(
        [], description="(optional) Institutional intelligence: what anyone on our team learned about the customer, "
                        "dated, by function and kind; never in a customer-facing document.")
    joint_plan: JointPlan = Field(
        description="The joint business plan: vision, mission, objectives, strategies and projects.")
    notes: Annotated[str, Field(max_length=MAX_NOTES)] | None = Field(
        None, description="(optional) Internal notes, up to 20,000 characters; never in a customer-facing document.")

    @property
    def rivals(self) -> list[Competitor]:
        """The competitors in the account other than us."""
        return [c for c in self.competitors if c.name != US]

    @property
    def us(self) -> Competitor:
        """Our own entry among the competitors (`us`, which every account file has)."""
        return next(c for c in self.competitors if c.name == US)


def readable(name: str) -> str:
    """A key as words for a reader: `willingness_to_partner` → `willingness to partner`."""
    return name.replace("_", " ")
