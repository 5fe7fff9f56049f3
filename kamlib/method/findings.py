""""What this means for the plan": the findings that most need action, drawn from each step's results.

A `Finding` is one or two sentences computed from the analysis, the figures it rests on (its
evidence), the step it belongs to and a priority: higher means act sooner. Each step's function
builds every finding its data supports, leaves out what the data does not support, says so where
the data is missing, and returns the `MAX_FINDINGS` with the highest priority (or `limit`; None:
all of them), highest first (equal priorities in the order the function lists them). `top_findings` takes the few that most
need action across the four steps of one account.

Priority is a band plus a severity of 0..19 computed from the data (each function's docstring
gives its formulas):

- act now, 80..99 (`NOW`): something is already late or a known danger is unmanaged: an overdue
  mitigation, review or next step, a hostile decision maker no risk names, more key accounts than
  capacity;
- this cycle, 60..79 (`CYCLE`): a gap to close before the next review: a loss, pipeline short of
  the revenue gap, objectives behind, a team larger or smaller than the class commits, a lead on
  the criteria not turned into share;
- plan for it, 40..59 (`PLAN`): what would move the account: the next class and the smallest
  change that reaches it, the criterion that costs most, unanswered forces, stale opportunities,
  decisions needed from the customer, data still missing;
- context, below 40 (`CONTEXT`): where the account stands (class, shares, profit, lifetime value).

Findings never state what the data contradicts: a force is answered only by a strategy's link
(`answers`), never by shared words; relative strength without scored competitors is unknown,
never level; an internal project needs no customer-side owner; a class means what its settings
say (`key`, `team_size`, `resources`), never what its name suggests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import pandas as pd

from kamlib.method import (
    action_plan,
    competition,
    economics,
    environment,
    governance,
    memory,
    next_steps,
    pipeline,
    portfolio,
    risks,
    scorecard,
    targets,
    wording,
)
from kamlib.method.action_plan import ObjectiveStatus
from kamlib.parameters.loader import Portfolio
from kamlib.parameters.model import LADDER_ORDER, US, Account, AccountClass, PortfolioSettings, readable

NOW, CYCLE, PLAN, CONTEXT = 80, 60, 40, 20   # the priority bands (see the module docstring)
MAX_FINDINGS = 6                              # per step: the few that most need action
TOP_SCORE = 5                                 # the top of the scorecard's 1..5 scale


class Step(StrEnum):
    """The step of the method a finding belongs to."""

    ENVIRONMENT = "environment"
    COMPETITION = "competition"
    SCORECARD = "scorecard"
    PLAN = "plan"
    PORTFOLIO = "portfolio"


@dataclass(frozen=True)
class Finding:
    """What the results mean for the plan, in a sentence or two, with the figures behind it."""

    text: str
    priority: int      # higher: act sooner (see the module docstring)
    evidence: str      # the figures the finding rests on, short ("" when the text holds them all)
    step: Step

    def __str__(self) -> str:
        return self.text


def _ranked(found: list[Finding], limit: int | None = MAX_FINDINGS) -> list[Finding]:
    """The `limit` findings of highest priority (None: all), highest first; equal priorities keep
    their order."""
    return sorted(found, key=lambda f: -f.priority)[:limit]


def _n(count: int, one: str, many: str | None = None) -> str:
    """"1 force", "3 forces" (`wording.plural`)."""
    return wording.plural(count, one, many)


def _and(items: list[str]) -> str:
    """"a", "a and b", "a, b and c" (`wording.and_list`)."""
    return wording.and_list(items)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _quote(text: str) -> str:
    """The user's own words, quoted as written (their case kept: they may begin with a name)."""
    return f"“{text.strip().rstrip('.')}”"


def _points(n: float) -> str:
    """"one point", "2 points", "0.5 points"."""
    return "one point" if n == 1 else f"{n:g} points"


def _money(currency: str, amount: float) -> str:
    return wording.money(amount, currency)


def _ago(day: date, as_of: date) -> str:
    """"40 days ago", "1 day ago"."""
    return f"{_n((as_of - day).days, 'day')} ago"


def _severity(value: float) -> int:
    """A severity rounded into 0..19, the room within a band."""
    return max(0, min(19, round(value)))


# --- Step 1: environment ------------------------------------------------------------------------

def environment_findings(account: Account, *, limit: int | None = MAX_FINDINGS) -> list[Finding]:
    """Step 1: the highest-priority force and what it means for us, the forces the joint plan does
    not answer (with word-overlap suggestions, labelled as such), forces not yet judged for us, our
    side of the forces and the customer's threats.

    Priorities: no forces PLAN + 15; the top force PLAN + 5 × its priority (|impact| × likelihood,
    0..2); unanswered forces PLAN + 5 + 5 × the highest unanswered priority; forces without an id
    PLAN + 5; not judged PLAN + 3 per force (at most 10); our side CONTEXT + 5; the customer's
    likely threats CONTEXT + 1 per threat; the forces that help it CONTEXT.
    """
    forces = environment.forces_table(account)
    if forces.empty:
        return [Finding("No forces are recorded yet: the environment analysis is the first gap in this plan. "
                        "Record the forces acting on the customer, each with an id and what it means for us.",
                        PLAN + 15, "environment: 0 forces", Step.ENVIRONMENT)]
    linked = environment.answers(account)
    found = [_top_force(forces.iloc[0], linked), *_unanswered(account), *_not_judged(forces), *_for_us(forces)]
    threats = forces[(forces["impact"] < 0) & (forces["likelihood"] >= 0.5)]
    if len(threats):
        verb = "is likely (≥ 50%) and hurts" if len(threats) == 1 else "are likely (≥ 50%) and hurt"
        found.append(Finding(f"{len(threats)} of {_n(len(forces), 'force')} {verb} the customer "
                             f"({_and(threats['label'].str.lower().tolist())}): our offer should help the customer answer "
                             f"{'it' if len(threats) == 1 else 'them'}.",
                             CONTEXT + len(threats), "", Step.ENVIRONMENT))
    helps = forces[forces["impact"] > 0]
    if len(helps):
        found.append(Finding(f"{_n(len(helps), 'force')} help{'s' if len(helps) == 1 else ''} the customer "
                             f"({_and(helps['label'].str.lower().tolist())}).", CONTEXT, "", Step.ENVIRONMENT))
    return _ranked(found, limit)


def _top_force(top: pd.Series, linked: dict[str, list[str]]) -> Finding:
    """The highest-priority force: what it does to the customer and, from `for_us`, to us."""
    effect = "hurts" if top["impact"] < 0 else ("helps" if top["impact"] > 0 else "neither helps nor hurts")
    judged = {"threat": "a threat for us", "opportunity": "an opportunity for us",
              "both": "both an opportunity and a threat for us"}
    if pd.isna(top["for_us"]):
        text = (f"{top['label']}, the highest-priority force, {effect} the customer; what it means for us is not yet "
                "judged (set its for_us).")
    else:
        text = (f"{top['label']}, the highest-priority force, {effect} the customer and is {judged[top['for_us']]}: "
                f"{_quote(top['implication'])}.")
    if pd.isna(top["id"]):
        answered = "it has no id, so no strategy can answer it"
    else:
        answered = f"answered by {_and(linked[top['id']])}" if top["id"] in linked else "no strategy answers it yet"
    evidence = (f"priority {top['priority']:.2f} = |impact {top['impact']:+d}| × likelihood {top['likelihood']:.0%}, "
                f"{top['horizon']} term; {answered}")
    return Finding(text, PLAN + _severity(5 * top["priority"]), evidence, Step.ENVIRONMENT)


def _unanswered(account: Account) -> list[Finding]:
    """Forces of priority ≥ 0.5 no strategy lists in its `answers`, with the word-overlap suggestions
    (labelled as suggestions), and forces that cannot be linked for want of an id."""
    gaps = environment.unanswered_forces(account)
    if gaps.empty:
        return [Finding("Every force of priority 0.5 or more is answered: a strategy of the joint plan lists it in its "
                        "answers.", CONTEXT, "", Step.ENVIRONMENT)]
    found = []
    linkable, unlinked = gaps[gaps["id"].notna()], gaps[gaps["id"].isna()]
    if len(linkable):
        one = len(linkable) == 1
        text = (f"The joint plan does not yet answer {_forces(linkable)}: no strategy lists "
                f"{'it' if one else 'them'} in its answers.")
        suggestions = _suggestions(account)
        if suggestions:
            text += (f" Suggestions only, from shared words: {'; '.join(s for s, _ in suggestions)}; list the force's "
                     "id in that strategy's answers if it really answers it.")
        evidence = "; ".join(f"{r.id} priority {r.priority:.2f}" for r in linkable.itertuples())
        if suggestions:
            evidence += " — shared words: " + "; ".join(words for _, words in suggestions)
        found.append(Finding(text, PLAN + 5 + _severity(5 * linkable["priority"].max()), evidence, Step.ENVIRONMENT))
    if len(unlinked):
        names, one = _forces(unlinked, ids=False), len(unlinked) == 1
        found.append(Finding(f"{_cap(names)} {'has' if one else 'have'} no id, so no strategy can answer "
                             f"{'it' if one else 'them'} yet: give each force an id and list it in the answers of the "
                             "strategy that meets it.", PLAN + 5, "", Step.ENVIRONMENT))
    return found


def _suggestions(account: Account) -> list[tuple[str, str]]:
    """Per unanswered force with an id, the strategies whose words meet it ("S1 or S2 for F1"), or,
    when none does, the objectives a strategy serving which might answer it; with the shared words."""
    table = environment.suggested_answers(account)
    table = table[table["force_id"].notna()]
    out = []
    for force_id, rows in table.groupby("force_id", sort=False):
        strategies = rows[rows["kind"] == "strategy"]
        chosen = strategies if len(strategies) else rows
        names = " or ".join(chosen["candidate"])
        out.append((f"{names} for {force_id}" if len(strategies) else f"a strategy serving {names} for {force_id}",
                    " / ".join(f"{r.candidate}: {r.shared_words}" for r in chosen.itertuples())))
    return out


def _not_judged(forces: pd.DataFrame) -> list[Finding]:
    unjudged = forces[forces["for_us"].isna()]
    if unjudged.empty:
        return []
    return [Finding(f"{_n(len(unjudged), 'force')} {'is' if len(unjudged) == 1 else 'are'} not yet judged for us "
                    f"({_and(unjudged['label'].str.lower().tolist())}): set for_us to say which are our opportunities "
                    "and which our threats.", PLAN + min(10, 3 * len(unjudged)), "", Step.ENVIRONMENT)]


def _for_us(forces: pd.DataFrame) -> list[Finding]:
    """Our side of the forces, from `for_us` (never guessed from the impact on the customer), noting
    where it runs against the customer's side."""
    def labels(rows: pd.DataFrame, against: int | None) -> list[str]:
        out = []
        for r in rows.itertuples():
            sign = (r.impact > 0) - (r.impact < 0)
            note = f" (though it {'hurts' if against < 0 else 'helps'} the customer)" if against and sign == against else ""
            out.append(r.label.lower() + note)
        return out

    parts = []
    for kind, one, many, against in (("opportunity", "is an opportunity", "are opportunities", -1),
                                     ("threat", "is a threat", "are threats", 1),
                                     ("both", "cuts both ways", "cut both ways", None)):
        rows = forces[forces["for_us"] == kind]
        if len(rows):
            names = labels(rows, against)
            parts.append(f"{_and(names)} {one if len(names) == 1 else many}")
    if not parts:
        return []
    return [Finding(f"For us, {'; '.join(parts)}.", CONTEXT + 5, "", Step.ENVIRONMENT)]


def _forces(forces: pd.DataFrame, ids: bool = True) -> str:
    """"investor pressure (F6) and regulation (F2)": the forces' labels in lower case, with their ids."""
    return _and([f"{label.lower()} ({i})" if ids else label.lower() for label, i in zip(forces["label"], forces["id"])])


# --- Step 2: competition ------------------------------------------------------------------------

def competition_findings(account: Account, settings: PortfolioSettings | None = None, *,
                         limit: int | None = MAX_FINDINGS) -> list[Finding]:
    """Step 2: our relative strength (or that it is unknown), a lead on the criteria not turned into
    share or rung (or share held without the lead), the criterion that costs most, share of wallet
    and the valued whitespace (its amounts in the settings' currency when they are given).

    Priorities: strength unknown PLAN + 15; a lead without the share or rung, and share without the
    lead, CYCLE + 5; the criterion that costs most CYCLE when closing it would put us ahead, else
    PLAN + 20 × its weighted cost; the whitespace PLAN + 10 × the share of its potential the pipeline
    does not cover (CONTEXT + 5 without potentials or without a map); relative strength CONTEXT (+ 10
    when behind); share of wallet CONTEXT + 5; our strongest criterion CONTEXT.
    """
    found = []
    strength = competition.relative_strength(account)
    if strength is None:
        found.append(Finding("No competitor is scored on the buying criteria: our relative strength is unknown, not "
                             "level, and the account stays off the portfolio matrix until the main competitors are "
                             "scored.", PLAN + 15, f"{_n(len(account.buying_criteria), 'criterion', 'criteria')} scored "
                             "for us only", Step.COMPETITION))
    else:
        scores = competition.weighted_scores(account)
        best = scores.drop(US).idxmax()
        verb = "ahead of" if strength > 1 + 1e-9 else ("level with" if strength >= 1 - 1e-9 else "behind")
        found.append(Finding(f"On the customer's weighted buying criteria we score {scores[US]:.2f} against {best}'s "
                             f"{scores[best]:.2f}: a relative strength of {strength:.2f}, {verb} the best competitor.",
                             CONTEXT + (10 if verb == "behind" else 0),
                             "relative strength = our weighted score / the best competitor's", Step.COMPETITION))
        found += _lead_without_share(account, strength, scores)
        found += _costliest_criterion(account, strength, scores)
        answer = _strongest_answer(account)
        if answer:
            found.append(Finding(_cap(answer) + ".", CONTEXT, "", Step.COMPETITION))
    found.append(_share_of_wallet(account))
    found += _whitespace(account, "" if settings is None else settings.currency + " ")
    return _ranked(found, limit)


def _our_share(account: Account) -> float | None:
    latest = account.financials[-1]
    return latest.revenue / latest.wallet if latest.wallet else None


def _lead_without_share(account: Account, strength: float, scores: pd.Series) -> list[Finding]:
    """We lead on the criteria (relative strength > 1) while a rival holds more share or a higher
    rung; or a rival outscores us while we hold more share (our share is exposed)."""
    ours, rung = _our_share(account), LADDER_ORDER.index(account.us.ladder)
    year = targets.year_label(account.financials[-1])
    if strength > 1 + 1e-9:
        ahead = [c for c in account.rivals
                 if (c.share_of_wallet is not None and ours is not None and c.share_of_wallet > ours + 1e-9)
                 or LADDER_ORDER.index(c.ladder) > rung]
        if not ahead:
            return []
        rival = max(ahead, key=lambda c: (c.share_of_wallet or 0.0, LADDER_ORDER.index(c.ladder)))
        holds = []
        if rival.share_of_wallet is not None and ours is not None and rival.share_of_wallet > ours + 1e-9:
            holds.append(f"more of the wallet ({rival.share_of_wallet:.0%} against our {ours:.0%})")
        if LADDER_ORDER.index(rival.ladder) > rung:
            holds.append(f"a higher rung ({readable(rival.ladder)} against our {readable(account.us.ladder)})")
        where = _criteria_led(account, rival.name)
        others = [c.name for c in ahead if c is not rival]
        text = (f"We lead on what the customer says matters (relative strength {strength:.2f}) but {rival.name} holds "
                f"{_and(holds)}: turn the lead into share"
                + (f", starting with {_and(where)}, where we lead {rival.name} most." if where else "."))
        evidence = (f"weighted score {scores[US]:.2f} against {rival.name}'s {scores[rival.name]:.2f}; shares in {year}"
                    + (f"; also ahead on share or rung: {_and(others)}" if others else ""))
        return [Finding(text, CYCLE + 5, evidence, Step.COMPETITION)]
    if strength < 1 - 1e-9 and ours is not None:
        above = [c for c in account.rivals if scores[c.name] > scores[US] + 1e-9
                 and c.share_of_wallet is not None and c.share_of_wallet < ours - 1e-9]
        if not above:
            return []
        rival = max(above, key=lambda c: scores[c.name])
        return [Finding(f"{rival.name} scores higher on the customer's criteria ({scores[rival.name]:.2f} against our "
                        f"{scores[US]:.2f}) yet we hold more of the wallet ({ours:.0%} against {rival.share_of_wallet:.0%}): "
                        "our share is exposed at the next award unless we close the gap on the criteria.",
                        CYCLE + 5, f"relative strength {strength:.2f}; shares in {year}", Step.COMPETITION)]
    return []


def _criteria_led(account: Account, rival: str, top: int = 2) -> list[str]:
    """The criteria where we lead this rival most, by weight × (our score − theirs)."""
    leads = sorted(((c.weight * (c.scores[US] - c.scores[rival]), i, c.criterion)
                    for i, c in enumerate(account.buying_criteria) if c.scores[US] > c.scores[rival]),
                   key=lambda t: (-t[0], t[1]))
    return [readable(name) for _, _, name in leads[:top]]


def _costliest_criterion(account: Account, strength: float, scores: pd.Series) -> list[Finding]:
    """The criterion that costs the most weighted score against the best competitor on it, and what
    closing it would do to relative strength."""
    criteria = competition.criteria_table(account)
    lag = criteria.sort_values("weighted_gap", kind="stable").iloc[0]
    if lag["gap_to_best"] >= 0:
        return []
    rivals = [c.name for c in account.rivals]
    leaders = [r for r in rivals if lag[r] == max(lag[r] for r in rivals)]
    cost = -lag["weighted_gap"]
    after = (scores[US] + cost) / scores.drop(US).max()
    turns = strength < 1 - 1e-9 and after >= 1 - 1e-9
    text = (f"We lose most on {readable(lag['criterion'])} (weight {lag['weight']:.0%}): "
            f"{_points(-lag['gap_to_best'])} behind {_and(leaders)}, which costs {cost:.2f} of the customer's weighted score; closing it would take our "
            f"relative strength from {strength:.2f} to {after:.2f}" + (", ahead of the best competitor." if turns else "."))
    return [Finding(text, CYCLE if turns else PLAN + _severity(20 * cost),
                    f"weight {lag['weight']:.2f} × ({lag[US]:g} − {lag[leaders[0]]:g}) = {-cost:+.2f}; "
                    f"our weighted score {scores[US]:.2f} → {scores[US] + cost:.2f}", Step.COMPETITION)]


def _strongest_answer(account: Account) -> str | None:
    """"our strongest answer is innovation, where we lead Alpha Packaging by 2 points"."""
    criteria = competition.criteria_table(account)
    if criteria["gap_to_best"].isna().all():
        return None
    lead = criteria.sort_values(["weighted_gap", "weight"], ascending=False).iloc[0]
    if lead["gap_to_best"] <= 0:
        return None
    rivals = [c.name for c in account.rivals]
    best = max(rivals, key=lambda r: lead[r])
    return f"our strongest answer is {readable(lead['criterion'])}, where we lead {best} by {_points(lead['gap_to_best'])}"


def _share_of_wallet(account: Account) -> Finding:
    shares = competition.share_of_wallet(account)
    ours = shares.iloc[0]
    known = [c for c in account.rivals if c.share_of_wallet is not None]
    leader = max(known, key=lambda c: c.share_of_wallet or 0.0) if known else None
    lead_text = (f"; {leader.name} holds {leader.share_of_wallet:.0%} as a {readable(leader.ladder)}"
                 if leader is not None else "")
    unknown = [c.name for c in account.rivals if c.share_of_wallet is None]
    rest = shares.iloc[-1]["share"]
    rest_text = (f"{rest:.0%} is not held by any named supplier" if not unknown else
                 f"{rest:.0%} is not attributed (the share of {_and(unknown)} is not recorded)")
    latest = account.financials[-1]
    when = f"In {targets.year_label(latest)} we" if latest.forecast else "We"
    return Finding(f"{when} hold {ours['share']:.0%} of the customer's category spend as a "
                   f"{readable(account.us.ladder)}{lead_text}; {rest_text}.", CONTEXT + 5,
                   "our share = revenue / wallet of the latest year", Step.COMPETITION)


def _whitespace(account: Account, currency: str) -> list[Finding]:
    """The valued whitespace: its potential, how much of it the pipeline covers, the largest
    uncovered cells; without potentials, the cell counts and that nothing is valued yet."""
    matrix = competition.whitespace_matrix(account)
    if matrix is None:
        return [Finding("No whitespace map yet: map the customer's units against our offerings to see where we could "
                        "sell more, and value each open cell.", CONTEXT + 5, "", Step.COMPETITION)]
    counts = competition.whitespace_counts(matrix)
    cells = f"{counts['open']} open, {counts['won']} won, {counts['competitor']} held by competitors"
    totals = pipeline.whitespace_totals(account)
    if totals.valued_cells == 0:
        return [Finding(f"The whitespace map shows {_n(counts['open'], 'open cell')} to pursue and "
                        f"{_n(counts['competitor'], 'cell')} held by competitors, none of them valued yet: write each "
                        "cell's potential to size the prize.", CONTEXT + 5, cells, Step.COMPETITION)]
    valued = pipeline.valued_whitespace(account)
    gaps = valued[valued["uncovered"].fillna(0) > 0].sort_values("uncovered", ascending=False,
                                                                                kind="stable").head(2)
    largest = [f"{r.offering} for {r.unit} ({currency}{r.uncovered:,.0f})" for r in gaps.itertuples()]
    share = totals.covered_share or 0.0
    text = (f"The whitespace is worth {currency}{totals.potential:,.0f} a year in its "
            f"{_n(totals.valued_cells, 'valued open or competitor cell')}; the pipeline covers {currency}{totals.covered:,.0f} of it ({share:.0%})"
            + (f", leaving the most uncovered in {_and(largest)}." if largest else "."))
    return [Finding(text, PLAN + _severity(10 * (1 - share)),
                    f"{cells}; {totals.valued_cells} of {totals.cells} open or competitor cells valued; covered = "
                    "open or won opportunities naming the cell, up to its potential", Step.COMPETITION)]


# --- Step 3: scorecard --------------------------------------------------------------------------

@dataclass(frozen=True)
class Raise:
    """One attribute raised: from its score now to the score that (with the others) closes a gap."""

    attribute: str
    score: float
    to: float
    weight: float


@dataclass(frozen=True)
class SideGap:
    """How far one side of the scorecard is from a class's minimum, and the smallest change that
    closes it: the fewest attributes, each raised by whole points (`raises`, empty when the top of
    the scale on every attribute would not reach it), and the other attributes that alone would
    close it with the same raise (`alternatives`)."""

    side: str           # "customer" | "supplier"
    score: float
    minimum: float
    raises: list[Raise]
    alternatives: list[str]

    @property
    def shortfall(self) -> float:
        """The points missing: minimum − score."""
        return self.minimum - self.score


@dataclass(frozen=True)
class NextClass:
    """The next class up from the latest assessment's class, and each side's gap to it (None: that
    side already meets its minimum)."""

    current: str
    target: str
    customer: SideGap | None
    supplier: SideGap | None


def next_class(account: Account, settings: PortfolioSettings, as_of: date) -> NextClass | None:
    """The next class up (the class before the current one in the settings' order) and the smallest
    change that reaches it; None before any assessment or in the top class.

    For a side with score s = Σ wₖ sₖ short of the class minimum m by d = m − s: an attribute k alone
    closes it when raising it by rₖ = ⌈d / wₖ⌉ whole points keeps it within 5; the smallest such rₖ
    wins (ties: larger weight, then the settings' order; the others tied are the alternatives).
    When no attribute alone can, the fewest attributes: the largest possible contributions
    wₖ × (5 − sₖ) first, each raised to 5 but the last, raised by the whole points still needed.
    """
    latest = scorecard.latest_assessment(account, as_of)
    if latest is None:
        return None
    classes = settings.scorecard.classes
    customer, supplier = scorecard.side_scores(latest, settings.scorecard.weights)
    current = scorecard.classify(customer, supplier, classes)
    rank = next(i for i, c in enumerate(classes) if c.name == current)
    if rank == 0:
        return None
    target = classes[rank - 1]
    weights = settings.scorecard.weights
    return NextClass(current, target.name,
                     _side_gap("customer", latest.customer.model_dump(), weights.customer.model_dump(), customer,
                               target.customer_min),
                     _side_gap("supplier", latest.supplier.model_dump(), weights.supplier.model_dump(), supplier,
                               target.supplier_min))


def _side_gap(side: str, scores: dict[str, float], weights: dict[str, float], score: float,
              minimum: float) -> SideGap | None:
    shortfall = minimum - score
    if shortfall <= 1e-9:
        return None
    order = {k: i for i, k in enumerate(weights)}
    singles = []
    for k, w in weights.items():
        if w <= 0:
            continue
        need = math.ceil(shortfall / w - 1e-9)
        if scores[k] + need <= TOP_SCORE + 1e-9:
            singles.append((need, -w, order[k], k))
    if singles:
        singles.sort()
        need = singles[0][0]
        tied = [k for n, _, _, k in singles if n == need]
        first = tied[0]
        return SideGap(side, score, minimum, [Raise(first, scores[first], scores[first] + need, weights[first])],
                       tied[1:])
    raises, left = [], shortfall
    for k in sorted((k for k, w in weights.items() if w > 0),
                    key=lambda k: (-weights[k] * (TOP_SCORE - scores[k]), order[k])):
        room = weights[k] * (TOP_SCORE - scores[k])
        if room <= 0:
            continue
        if room >= left - 1e-9:
            to = min(TOP_SCORE, scores[k] + math.ceil(left / weights[k] - 1e-9))
            raises.append(Raise(k, scores[k], to, weights[k]))
            left = 0.0
            break
        raises.append(Raise(k, scores[k], TOP_SCORE, weights[k]))
        left -= room
    return SideGap(side, score, minimum, raises if left <= 1e-9 else [], [])


def _gap_text(gap: SideGap) -> str:
    """"the customer's side must rise 0.20 (3.80 → 4.00): one point more on its transparency (3 → 4,
    weight 20%) would do it"."""
    whose, its = ("the customer's side", "its") if gap.side == "customer" else ("our side", "our")
    head = f"{whose} must rise {gap.shortfall:.2f} ({gap.score:.2f} → {gap.minimum:.2f})"
    if not gap.raises:
        return head + ", which even the top score on every attribute would not reach with these weights"
    if len(gap.raises) == 1:
        r = gap.raises[0]
        points = _points(r.to - r.score)
        if gap.alternatives:
            names = [readable(k) for k in [r.attribute, *gap.alternatives]]
            return f"{head}: {points} more on any of {its} {', '.join(names[:-1])} or {names[-1]} would do it"
        return (f"{head}: {points} more on {its} {readable(r.attribute)} ({r.score:g} → {r.to:g}, weight "
                f"{r.weight:.0%}) would do it")
    moves = [f"{readable(r.attribute)} {r.score:g} → {r.to:g}" for r in gap.raises]
    return f"{head}: no single attribute can close it; the fewest that can are {its} {_and(moves)}"


def scorecard_findings(account: Account, settings: PortfolioSettings, as_of: date, *,
                       limit: int | None = MAX_FINDINGS) -> list[Finding]:
    """Step 3: the class and what its settings commit, how far the next class is and the smallest
    change that reaches it, the team against the class's `team_size`, the decisions on resources,
    the trend since the previous assessment, mismatch flags, profit after cost to serve and
    lifetime value.

    Priorities: no assessment CYCLE + 15; latest assessment older than 180 days CYCLE + 5; class
    down since the previous assessment CYCLE + 10 (down since the first only: PLAN + 5; up: CONTEXT +
    10; unchanged CONTEXT + 5); opportunistic customer CYCLE + 8, under-investing CYCLE + 5; team
    against team_size CYCLE + 3 per person of difference; the next class PLAN + 15 − 3 per whole
    point of raise needed; a loss CYCLE + 10; the class CONTEXT + 15; a profit CONTEXT; lifetime
    value CONTEXT − 5. Decisions on resources (`memory`): taken by one person CYCLE + 4; against the
    class's direction CYCLE + 6; the class moved with no decision since PLAN + 8.
    """
    table = scorecard.scorecard_table(account, settings, as_of)
    found = []
    if table.empty:
        found.append(Finding("No assessment is dated on or before the planning date: score the relationship first; "
                             "the class, its resources and the trend all wait for it.", CYCLE + 15,
                             f"{_n(len(account.scorecard), 'assessment')}, the first on "
                             f"{min(a.date for a in account.scorecard).isoformat()}", Step.SCORECARD))
    else:
        table = table.sort_values("date", kind="stable").reset_index(drop=True)
        latest = table.iloc[-1]
        klass = scorecard.class_settings(settings, latest["class"])
        found.append(Finding(f"The latest assessment ({latest['date']}) scores the customer "
                             f"{latest['customer_score']:.2f} and us {latest['supplier_score']:.2f}: class "
                             f"{readable(latest['class'])}{_guidance(settings, latest['class'])}.", CONTEXT + 15,
                             "" if klass is None else f"the first class in portfolio.yaml whose minimums both hold: "
                             f"customer ≥ {klass.customer_min:.2f}, us ≥ {klass.supplier_min:.2f}", Step.SCORECARD))
        age = (as_of - latest["date"]).days
        if age > action_plan.STALE_ASSESSMENT_DAYS:
            found.append(Finding(f"The latest assessment is {age} days old: reassess the relationship this cycle, "
                                 "before acting on its class.", CYCLE + 5,
                                 f"assessed {latest['date']}; older than {action_plan.STALE_ASSESSMENT_DAYS} days",
                                 Step.SCORECARD))
        found.append(_trend(table, settings))
        found += _next_class_finding(account, settings, as_of)
        if klass is not None:
            found += _team(account, klass)
        found += decision_findings(account, settings, as_of)
        for flag in scorecard.mismatch_flags(account, settings, as_of):
            found.append(Finding(flag.message, CYCLE + (8 if flag.kind == risks.OPPORTUNISTIC else 5),
                                 f"customer {latest['customer_score']:.2f}, us {latest['supplier_score']:.2f} on "
                                 f"{latest['date']}", Step.SCORECARD))
    found += _economics(account, settings)
    return _ranked(found, limit)


def _guidance(settings: PortfolioSettings, class_name: str) -> str:
    """What the class's settings say it gets: " — named manager … (a team of 3)", or that they say nothing."""
    klass = scorecard.class_settings(settings, class_name)
    team = None if klass is None or klass.team_size is None else f"a team of {klass.team_size}"
    if klass is not None and klass.resources:
        text = klass.resources.strip().rstrip(".")
        text = text[0].lower() + text[1:] if len(text) > 1 and not text[1].isupper() else text
        return f" — {text}" + (f" ({team})" if team else "")
    key = "a key class" if scorecard.class_is_key(settings, class_name) else "not a key class"
    return f" ({', '.join(filter(None, [key, team]))}; no resources set for it in portfolio.yaml)"


def _trend(table: pd.DataFrame, settings: PortfolioSettings) -> Finding:
    """The class since the previous assessment (and since the first), with both sides' moves."""
    if len(table) < 2:
        return Finding("Only one assessment so far: the trend will show from the next cycle.", CONTEXT, "",
                       Step.SCORECARD)
    rank = {c.name: i for i, c in enumerate(settings.scorecard.classes)}
    first, previous, latest = table.iloc[0], table.iloc[-2], table.iloc[-1]
    moves = (f"the customer's side {previous['customer_score']:.2f} → {latest['customer_score']:.2f}, ours "
             f"{previous['supplier_score']:.2f} → {latest['supplier_score']:.2f}")
    evidence = "" if len(table) == 2 else (
        f"since the first assessment ({first['date']}): customer {latest['customer_score'] - first['customer_score']:+.2f}, "
        f"us {latest['supplier_score'] - first['supplier_score']:+.2f}")
    now, before, start = (readable(latest["class"]), readable(previous["class"]), readable(first["class"]))
    if latest["class"] != previous["class"]:
        down = rank[latest["class"]] > rank[previous["class"]]
        return Finding(f"Since the previous assessment ({previous['date']}) the class moved {'down' if down else 'up'} "
                       f"from {before} to {now}: {moves}.", CYCLE + 10 if down else CONTEXT + 10, evidence,
                       Step.SCORECARD)
    text = f"The class holds at {now} since the previous assessment ({previous['date']}): {moves}."
    if latest["class"] != first["class"]:
        down = rank[latest["class"]] > rank[first["class"]]
        text = (f"The class holds at {now} since the previous assessment ({previous['date']}), "
                f"{'down' if down else 'up'} from {start} in the first ({first['date']}): {moves}.")
        return Finding(text, PLAN + 5 if down else CONTEXT + 5, evidence, Step.SCORECARD)
    return Finding(text, CONTEXT + 5, evidence, Step.SCORECARD)


def _next_class_finding(account: Account, settings: PortfolioSettings, as_of: date) -> list[Finding]:
    move = next_class(account, settings, as_of)
    if move is None:
        return []
    gaps = [g for g in (move.customer, move.supplier) if g is not None]
    parts = [_gap_text(g) for g in gaps]
    target = scorecard.class_settings(settings, move.target)
    assert target is not None  # next_class takes it from the settings
    # A minimum of 1 or less is met by any score (1..5): not worth saying.
    if move.customer is None and target.customer_min > 1:
        parts.append(f"the customer's side already meets its {target.customer_min:.2f}")
    if move.supplier is None and target.supplier_min > 1:
        parts.append(f"ours already meets its {target.supplier_min:.2f}")
    points = sum(r.to - r.score for g in gaps for r in g.raises)
    evidence = (f"{readable(move.target)} needs customer ≥ {target.customer_min:.2f} and us ≥ {target.supplier_min:.2f}; "
                "weights from portfolio.yaml; scores in whole points, at most 5")
    return [Finding(f"To move up from {readable(move.current)} to {readable(move.target)}, {'; '.join(parts)}.",
                    PLAN + _severity(15 - 3 * points), evidence, Step.SCORECARD)]


def _team(account: Account, klass: AccountClass) -> list[Finding]:
    """The team committed (its size) against the class's `team_size`; nothing when they match or the
    class sets no team size."""
    if klass.team_size is None or len(account.team) == klass.team_size:
        return []
    team, size, name = len(account.team), klass.team_size, readable(klass.name)
    diff = team - size
    if diff > 0:
        text = (f"{_n(team, 'person', 'people')} {'is' if team == 1 else 'are'} on the team against the "
                f"{size} that {name} commits: {diff} more than the class calls for; justify the extra effort at the "
                "next review or release it.")
    else:
        text = (f"{_n(team, 'person', 'people')} {'is' if team == 1 else 'are'} on the team against the {size} that "
                f"{name} commits: name {-diff} more, or the class's commitments will not be met.")
    return [Finding(text, CYCLE + _severity(3 * abs(diff)),
                    f"team: {', '.join(m.name for m in account.team)}; {name}'s team_size in portfolio.yaml: {size}",
                    Step.SCORECARD)]


def decision_findings(account: Account, settings: PortfolioSettings, as_of: date) -> list[Finding]:
    """The decisions on resources against the method (`memory`), highest priority first: taken by
    one person, against the class's direction, and a class that moved with no decision since."""
    found = []
    checks = memory.decision_checks(account, settings, as_of)
    for c in checks:
        d = c.decision
        if c.too_few:
            found.append(Finding(f"The decision of {d.date.isoformat()}, {_quote(d.decision)}, was taken by "
                                 f"{d.decided_by[0]} alone: resources are the account team's decision, not one "
                                 "manager's; confirm it with the team at the next review.", CYCLE + 4,
                                 f"decided by: {', '.join(d.decided_by)}", Step.SCORECARD))
        if c.against_class and c.move is not None:
            fell = c.move.direction == memory.DOWN
            found.append(Finding(f"On {d.date.isoformat()} resources were {d.resources} ({_quote(d.decision)}) "
                                 f"while the class {'fell' if fell else 'rose'} from {readable(c.move.before)} to "
                                 f"{readable(c.move.after)}: discuss whether it fits the class, the strategy and the "
                                 "customer's responsiveness.", CYCLE + 6,
                                 f"assessed {c.move.assessed}; why: {d.why}", Step.SCORECARD))
    move = memory.class_move(account, settings, as_of)
    if move is not None and move.direction != memory.HELD and not any(c.decision.date >= move.assessed for c in checks):
        found.append(Finding(f"The class moved {move.direction} from {readable(move.before)} to {readable(move.after)} "
                             f"on {move.assessed} and no decision on resources is recorded since: the team should "
                             "decide what the account gets now (governance, decisions).", PLAN + 8,
                             f"{_n(len(checks), 'decision')} recorded", Step.SCORECARD))
    return _ranked(found, None)


def _economics(account: Account, settings: PortfolioSettings) -> list[Finding]:
    money = economics.financials_table(account).iloc[-1]
    year = f"{int(money['year'])}" + (" (forecast)" if money["forecast"] else "")
    currency = settings.currency
    found = []
    if not money["revenue"]:
        found.append(Finding(f"No revenue recorded for {year} yet.", CONTEXT + 5, "", Step.SCORECARD))
    else:
        loses = money["profit"] < 0
        found.append(Finding(f"In {year} the account {'loses' if loses else 'makes'} money after cost to serve: profit "
                             f"{_money(currency, money['profit'])} on revenue {_money(currency, money['revenue'])} "
                             f"({wording.percent(money['profit_margin'])}).", CYCLE + 10 if loses else CONTEXT,
                             f"gross margin {money['gross_margin']:.1%}, cost to serve "
                             f"{_money(currency, money['cost_to_serve'])}", Step.SCORECARD))
    ltv = economics.lifetime_value(account)
    found.append(Finding(f"Over the next {ltv.years} years the relationship is worth about "
                         f"{_money(currency, ltv.value)} in today's money.", CONTEXT - 5,
                         f"latest profit {_money(currency, ltv.annual_profit)} in {year}, growth {ltv.growth:+.1%} a "
                         f"year, discounted at {ltv.discount:.0%}", Step.SCORECARD))
    return found


# --- Step 4: the action plan --------------------------------------------------------------------

def plan_findings(account: Account, settings: PortfolioSettings, as_of: date, *,
                  limit: int | None = MAX_FINDINGS) -> list[Finding]:
    """Step 4: what the plan must do next — hostile decision makers, overdue mitigations and next
    steps, the governance, pipeline coverage of the revenue gap, stale opportunities, decisions
    needed from the customer, objectives behind, overdue projects and plan health with its largest
    deduction, the relationship gaps, and what the team has learned (insights).

    Priorities: a hostile influential decision maker no risk names NOW + 5 + 2 × (influence − 4), one a
    risk names PLAN + 10 + (influence − 4); the opportunistic-customer flag with no open risk NOW;
    overdue mitigations NOW + 5 × the top score; the top open risk otherwise PLAN + 5 × its score; no
    risk recorded PLAN + 5; overdue next steps NOW + their count + a point per two weeks of the
    oldest (no next step under any open project PLAN + 5); the review overdue NOW + a point per two
    weeks (else: draft CYCLE; not agreed PLAN + 5 and agreed CONTEXT, each + 5 without our approver
    and + 5 without a review date; no governance PLAN + 10); pipeline
    short of the revenue gap CYCLE + 19 × the share uncovered (covered CONTEXT + 10, no target PLAN +
    5, target met CONTEXT + 5); stale opportunities PLAN + 5 each; decisions needed CYCLE when a
    blocked or overdue project waits on one, else PLAN + 5; an objective past due NOW, behind CYCLE
    + 20 × (time gone − progress), all on track CONTEXT; objectives without a measure CONTEXT + 10;
    overdue projects CYCLE + 5 each; shared projects without a customer owner CYCLE; blocked projects
    with no decision needed PLAN + 10; no projects CYCLE + 10; plan gaps PLAN + 5 each; key players missing PLAN + 5; functions not paired PLAN; stale contacts PLAN + 2 × the
    highest influence among them; plan health CONTEXT + (100 − health) / 5. Insights (`memory`): none
    recorded PLAN + 3; functions of the team silent for 180 days PLAN + 2 per function (at most 9);
    mostly rumour PLAN + 2; what was heard CONTEXT + 5.
    """
    found = [*_hostile(account, settings, as_of), *_risks(account, settings, as_of), *_late_steps(account, as_of),
             _governance(account, as_of), *_pipeline(account, settings, as_of), *_decisions(account, as_of),
             *_objectives(account, as_of), *_projects(account, as_of), _health(account, as_of),
             *_relationships(account, as_of), *insight_findings(account, as_of)]
    return _ranked(found, limit)


def _hostile(account: Account, settings: PortfolioSettings, as_of: date) -> list[Finding]:
    """Hostile, influential decision makers (with the risk that names them, or that none does), and
    the opportunistic-customer flag with no open risk."""
    contacts = {c.name: c for c in account.relationships}
    named = {r.contact: r for r in risks.ranked(account) if r.contact is not None}
    found = []
    for name in risks.hostile_decision_makers(account):
        c = contacts[name]
        who = (f"{name}, {c.title}, a decision maker with influence {c.influence} of 5, is a detractor "
               f"(attitude {c.attitude:+d})")
        evidence = f"our owner {c.owner}, last contact {c.last_contact.isoformat()}"
        risk = named.get(name)
        if risk is None:
            found.append(Finding(f"{who} and no risk names them: record the risk, with an owner and a mitigation.",
                                 NOW + 5 + 2 * (c.influence - risks.INFLUENTIAL), evidence, Step.PLAN))
        else:
            due = f", mitigation due {risk.due.isoformat()}" if risk.due else ""
            found.append(Finding(f"{who}; {risk.id} records the risk ({risk.status}, score {risks.score(risk):.2f}, "
                                 f"owner {risk.owner}{due}).", PLAN + 10 + (c.influence - risks.INFLUENTIAL),
                                 evidence, Step.PLAN))
    for gap in risks.unrecorded_risks(account, settings, as_of):
        if gap.kind == risks.OPPORTUNISTIC:
            found.append(Finding("The scorecard flags an opportunistic customer and no open risk is recorded: record "
                                 "what its buying could cost us, with a mitigation.", NOW, gap.evidence, Step.PLAN))
    return found


def _risks(account: Account, settings: PortfolioSettings, as_of: date) -> list[Finding]:
    """The top three open risks whose mitigation is overdue; else the top open risk; or none recorded."""
    if not account.risks:
        return [Finding("No risk is recorded: list what could derail the account (a tender, a hostile decision "
                        "maker, a force turning against us), each with an owner and a mitigation.", PLAN + 5, "",
                        Step.PLAN)]
    overdue = risks.overdue_mitigations(account, as_of)
    found = []
    if overdue:
        top = overdue[:3]
        first, due = top[0], top[0].due
        assert due is not None  # an overdue mitigation has a due date
        which = (f"{first.id}'s mitigation is overdue" if len(overdue) == 1 else
                 f"{len(overdue)} open risks have their mitigation overdue, the largest {first.id}")
        text = (f"{_cap(which)} (score {risks.score(first):.2f} of 3): {_quote(first.risk)} — {first.owner}, due "
                f"{due.isoformat()} ({_ago(due, as_of)}).")
        evidence = ("; ".join(f"{r.id} score {risks.score(r):.2f}, {r.owner}, due {r.due}" for r in top)
                    + f" — {first.id}'s mitigation: {_quote(first.mitigation)}")
        found.append(Finding(text, NOW + _severity(5 * risks.score(first)), evidence, Step.PLAN))
    still_open = risks.open_risks(account)
    if still_open and still_open[0] not in overdue:
        r = still_open[0]
        when = f"mitigation due {r.due.isoformat()}" if r.due else "no mitigation date set"
        found.append(Finding(f"The largest open risk is {r.id} (score {risks.score(r):.2f} of 3): {_quote(r.risk)} "
                             f"— {r.owner}, {when}.", PLAN + _severity(5 * risks.score(r)),
                             f"likelihood {r.likelihood:.0%} × impact {r.impact}; {_n(len(still_open), 'open risk')}",
                             Step.PLAN))
    return found


def _late_steps(account: Account, as_of: date) -> list[Finding]:
    """Overdue next steps: how many, the oldest, and their owners on each side."""
    late = action_plan.overdue_next_steps(account, as_of)
    open_projects = [p for p in account.joint_plan.projects if p.status in action_plan.OPEN_STATUSES]
    if not late:
        if open_projects and not any(p.next_steps for p in open_projects):
            return [Finding(f"No next step is recorded under the {_n(len(open_projects), 'open project')}: write "
                            "what happens next, who does it and by when, on both sides.", PLAN + 5, "", Step.PLAN)]
        return []
    project, oldest = late[0]
    owners: dict[str, list[str]] = {}
    for _, step in late:
        side = next_steps.side(account, step.owner)
        names = owners.setdefault(side, [])
        if step.owner not in names:
            names.append(step.owner)
    words = {next_steps.Side.OURS: "ours", next_steps.Side.CUSTOMER: "the customer's",
             next_steps.Side.UNKNOWN: "not in the team or relationships"}
    who = "; ".join(f"{_and(names)} ({words[next_steps.Side(side)]})" for side, names in owners.items())
    soon = next_steps.due_within(account, as_of, next_steps.SOON_DAYS)
    text = (f"{_n(len(late), 'next step')} {'is' if len(late) == 1 else 'are'} overdue, the oldest {project}'s "
            f"{_quote(oldest.action)} ({oldest.owner}, due {oldest.due.isoformat()}, {_ago(oldest.due, as_of)}); "
            f"owners: {who}.")
    evidence = ("; ".join(f"{p} {s.owner} due {s.due.isoformat()}" for p, s in late)
                + f"; {_n(len(soon), 'other')} due in the next {next_steps.SOON_DAYS} days")
    return [Finding(text, NOW + _severity(len(late) + (as_of - oldest.due).days // 14), evidence, Step.PLAN)]


def _governance(account: Account, as_of: date) -> Finding:
    """The plan's status, sign-off and review date, in one finding."""
    g = governance.plan_governance(account, as_of)
    if account.governance is None:
        return Finding("No governance is recorded: the plan counts as a draft, with no review date and no sign-off; "
                       "set its status, a review cadence and the next review.", PLAN + 10, "", Step.PLAN)
    if g.agreed:
        status = f"The plan is agreed with {g.agreed_with or 'the customer'} (on {g.agreed_on})"
        priority = CONTEXT
    elif g.status == governance.DRAFT:
        status, priority = "The plan is still a draft", CYCLE
    else:
        status, priority = "The plan is reviewed internally but not yet agreed with the customer", PLAN + 5
    approval = f"approved by {g.approved_by}" if g.approved else "nobody on our side has approved it"
    if priority < CYCLE:
        priority += 5 * (not g.approved) + 5 * (g.review_due is None)
    if g.review_due is None:
        review = "no review date is set"
    elif g.review_overdue:
        late = -(g.days_to_review or 0)
        review = f"its review is overdue: due {g.review_due.isoformat()} ({_n(late, 'day')} ago)"
        priority = NOW + _severity(late // 14)
    else:
        review = f"next review {g.review_due.isoformat()} (in {_n(g.days_to_review or 0, 'day')})"
    cadence = f"reviewed every {g.review_every_days} days" + (
        f", last on {g.last_review.isoformat()}" if g.last_review else ", not reviewed yet")
    return Finding(f"{status}, {approval}; {review}.", priority, cadence, Step.PLAN)


def _pipeline(account: Account, settings: PortfolioSettings, as_of: date) -> list[Finding]:
    """Pipeline coverage of the revenue gap to the target year, and stale opportunities."""
    pipe = pipeline.summary(account, as_of)
    currency = settings.currency
    latest = targets.latest_actuals(account)
    label = targets.year_label(latest)
    found = []
    if pipe.target_year is None or pipe.revenue_gap is None:
        later = f" (the targets end in {max(t.year for t in account.targets)})" if account.targets else ""
        found.append(Finding(f"No revenue target is set for {as_of.year} or later{later}: the pipeline has no gap to "
                             "close; set targets for the coming years.", PLAN + 5, "", Step.PLAN))
    else:
        target = f"the {pipe.target_year} revenue target ({_money(currency, pipe.revenue_gap + latest.revenue)})"
        evidence = (f"{label} revenue {_money(currency, latest.revenue)}; weighted = Σ value × probability of open "
                    f"opportunities closing {as_of.isoformat()} to {pipe.window_end.isoformat() if pipe.window_end else ''}; "
                    f"open pipeline {_money(currency, pipe.open)}")
        gap = pipe.revenue_gap
        if gap <= 0:
            found.append(Finding(f"{label} revenue ({_money(currency, latest.revenue)}) already meets {target}: no "
                                 "revenue gap for the pipeline to close.", CONTEXT + 5, evidence, Step.PLAN))
        elif pipe.weighted <= 0:
            end = pipe.window_end.isoformat() if pipe.window_end else ""
            found.append(Finding(f"Nothing in the pipeline can close the {_money(currency, gap)} gap to {target}: no "
                                 f"open opportunity with a chance above 0 closes between {as_of.isoformat()} and {end}.",
                                 CYCLE + 19, evidence, Step.PLAN))
        else:
            share = pipe.coverage or 0.0
            if share >= 1:
                found.append(Finding(f"The weighted pipeline ({_money(currency, pipe.weighted)}) covers the "
                                     f"{_money(currency, gap)} gap to {target}: {share:.0%}.", CONTEXT + 10, evidence,
                                     Step.PLAN))
            else:
                found.append(Finding(f"The weighted pipeline covers {share:.0%} of the {_money(currency, gap)} gap to "
                                     f"{target}: {_money(currency, gap - pipe.weighted)} still to find.",
                                     CYCLE + _severity(19 * (1 - share)), evidence, Step.PLAN))
    stale = [o for o in account.opportunities if o.id in pipe.stale]
    if stale:
        first = max(stale, key=lambda o: o.value)
        text = (f"{first.id} {_quote(first.title)} ({_money(currency, first.value)}) is past its close date "
                f"({first.close.isoformat()}) and neither won nor lost: move the date or close it." if len(stale) == 1
                else f"{len(stale)} opportunities ({_money(currency, sum(o.value for o in stale))}) are past their close "
                     f"date and neither won nor lost, the largest {first.id} {_quote(first.title)}: move the dates or close "
                     "them.")
        found.append(Finding(text, PLAN + _severity(5 * len(stale)),
                             "; ".join(f"{o.id} {o.stage}, close {o.close.isoformat()}, {o.owner}" for o in stale),
                             Step.PLAN))
    return found


def _decisions(account: Account, as_of: date) -> list[Finding]:
    """Decisions needed from the customer, the most pressing first (a blocked or overdue project's,
    then the soonest due)."""
    table = next_steps.decisions_needed(account)
    if table.empty:
        return []
    projects = {p.id: p for p in account.joint_plan.projects}

    def stuck(pid: str) -> bool:
        p = projects[pid]
        return p.status == "blocked" or p.due < as_of
    rows = sorted(table.to_dict("records"), key=lambda r: (not stuck(r["project"]), r["project_due"]))
    first = rows[0]
    p = projects[first["project"]]
    state = "blocked" if p.status == "blocked" else (f"overdue since {p.due.isoformat()}" if p.due < as_of
                                                     else f"due {p.due.isoformat()}")
    text = (f"{_n(len(rows), 'decision')} {'is' if len(rows) == 1 else 'are'} needed from the customer, the most "
            f"pressing for {p.id} ({state}): {_quote(first['decision'])}, from {first['customer_owner']}.")
    evidence = "; ".join(f"{r['project']} ({readable(projects[r['project']].status)}): {r['customer_owner']}, project due "
                         f"{r['project_due'].isoformat()}" for r in rows)
    return [Finding(text, CYCLE if stuck(first["project"]) else PLAN + 5, evidence, Step.PLAN)]


def _objectives(account: Account, as_of: date) -> list[Finding]:
    """Objectives behind (or past due) by their measure, the furthest behind named; and those with no
    measure, whose progress cannot be judged."""
    progress = action_plan.objective_progress(account, as_of)
    found = []
    late = progress[progress["status"].isin([ObjectiveStatus.BEHIND, ObjectiveStatus.OVERDUE])]
    statements = {o.id: o.statement for o in account.joint_plan.objectives}
    if len(late):
        late = late.assign(lag=late["elapsed"] - late["progress_raw"]).sort_values("lag", ascending=False, kind="stable")
        worst = late.iloc[0]
        name = f"{worst['id']} {_quote(statements[worst['id']])}"
        if worst["progress_raw"] < 0:
            where = f"has moved away from its goal ({worst['baseline']:,g} → {worst['current']:,g}, goal {worst['goal']:,g})"
        else:
            where = f"is {worst['progress_raw']:.0%} of the way to its goal"
        when = (f"past its due date ({worst['due'].isoformat()})" if worst["status"] == ObjectiveStatus.OVERDUE
                else f"with {worst['elapsed']:.0%} of the time to {worst['due'].isoformat()} gone")
        text = (f"{len(late)} of {_n(len(progress), 'measured objective')} {'is' if len(late) == 1 else 'are'} behind, "
                f"furthest {name}: it {where} {when}.")
        evidence = "; ".join(f"{r.id} {r.baseline:,g} → {r.current:,g} (goal {r.goal:,g}, {r.direction}), "
                             f"{r.progress_raw:.0%} done, {r.elapsed:.0%} of the time" for r in late.itertuples())
        evidence += "; time counted from the first assessment"
        overdue = (late["status"] == ObjectiveStatus.OVERDUE).any()
        found.append(Finding(text, NOW if overdue else CYCLE + _severity(20 * worst["lag"]), evidence, Step.PLAN))
    elif len(progress):
        found.append(Finding(f"The measured objective ({progress['id'].iloc[0]}) is done or on track." if len(progress) == 1
                             else f"All {len(progress)} measured objectives are done or on track.", CONTEXT, "", Step.PLAN))
    unmeasured = [o.id for o in account.joint_plan.objectives if o.measure is None]
    if unmeasured:
        found.append(Finding(f"{_n(len(unmeasured), 'objective')} ({_and(unmeasured)}) "
                             f"{'has' if len(unmeasured) == 1 else 'have'} no measure, so progress cannot be judged: "
                             "give each a baseline, its current value and a goal.", CONTEXT + 10, "", Step.PLAN))
    return found


def _projects(account: Account, as_of: date) -> list[Finding]:
    """Overdue projects, shared projects without a customer-side owner, no projects at all, plan gaps."""
    projects = account.joint_plan.projects
    if not projects:
        return [Finding("The joint plan has no projects yet: nothing will happen until it does.", CYCLE + 10, "",
                        Step.PLAN)]
    found = []
    by_id = {p.id: p for p in projects}
    overdue = action_plan.overdue_projects(account, as_of)
    if overdue:
        first = min((by_id[p] for p in overdue), key=lambda p: p.due)
        shared = any(by_id[p].shared for p in overdue)
        which = (f"{first.id} {_quote(first.title)} is overdue" if len(overdue) == 1 else
                 f"{len(overdue)} projects are overdue ({_and(overdue)}), the oldest {first.id} {_quote(first.title)}")
        text = (f"{which}: due {first.due.isoformat()} ({_ago(first.due, as_of)}); re-plan or close "
                f"{'it' if len(overdue) == 1 else 'them'}" + (" with the customer." if shared else "."))
        found.append(Finding(text, CYCLE + _severity(5 * len(overdue)),
                             "; ".join(f"{p} {readable(by_id[p].status)}, owner {by_id[p].owner}" for p in overdue), Step.PLAN))
    unowned = action_plan.missing_customer_owner(account)
    if unowned:
        found.append(Finding(f"Shared project{'s' if len(unowned) > 1 else ''} {_and(unowned)} "
                             f"{'has' if len(unowned) == 1 else 'have'} no named owner at the customer: the joint plan "
                             "is not joint there yet.", CYCLE,
                             "; ".join(f"{p}: customer owner {_quote(by_id[p].customer_owner)}" for p in unowned), Step.PLAN))
    blocked = [p for p in action_plan.blocked_projects(account) if not by_id[p].decision_needed]
    if blocked:
        found.append(Finding(f"{_and(blocked)} {'is' if len(blocked) == 1 else 'are'} blocked with no decision needed "
                             "recorded: write what the customer must decide to unblock "
                             f"{'it' if len(blocked) == 1 else 'them'}.", PLAN + 10, "", Step.PLAN))
    orphans, idle = action_plan.plan_gaps(account)
    if orphans or idle:
        parts = ([f"{_n(len(orphans), 'objective')} ({_and(orphans)}) without a strategy"] if orphans else []) + \
                ([f"{_n(len(idle), 'strategy', 'strategies')} ({_and(idle)}) without a project"] if idle else [])
        found.append(Finding(f"The plan has gaps: {_and(parts)}.", PLAN + _severity(5 * (len(orphans) + len(idle))),
                             "", Step.PLAN))
    return found


def _health(account: Account, as_of: date) -> Finding:
    health = action_plan.plan_health(account, as_of)
    text = f"Plan health is {health.score}/100" + (
        f"; the largest deduction (−{health.deductions[0][0]}): {health.deductions[0][1]}." if health.deductions else ".")
    evidence = "; ".join(f"−{points} {why}" for points, why in health.deductions[1:])
    return Finding(text, CONTEXT + _severity((100 - health.score) / 5), evidence, Step.PLAN)


def _relationships(account: Account, as_of: date) -> list[Finding]:
    """Key players missing, customer functions not paired with ours, contacts gone stale."""
    found = []
    missing = action_plan.key_players(account)
    missing = missing[~missing["met"]]["check"].tolist()
    if missing:
        found.append(Finding(f"Key players missing: {_and(missing)}.", PLAN + 5, "", Step.PLAN))
    coverage = action_plan.coverage_matrix(account)
    if not coverage.empty:
        unpaired = [readable(f) for f in action_plan.PAIRED_FUNCTIONS if f not in set(coverage.columns)]
        if unpaired:
            found.append(Finding(f"No relationship yet with the customer's {_and(unpaired)}: zipper these functions, "
                                 "not only sales with purchasing.", PLAN, "", Step.PLAN))
    stale = action_plan.stale_contacts(account, as_of)
    if stale:
        contacts = {c.name: c for c in account.relationships}
        people = sorted((contacts[n] for n in stale), key=lambda c: (-c.influence, c.last_contact))
        top = people[0]
        text = (f"{_n(len(stale), 'contact')} not touched for over {action_plan.STALE_CONTACT_DAYS} days, the most "
                f"influential {top.name} ({top.title}, influence {top.influence}, last contact "
                f"{top.last_contact.isoformat()}, owner {top.owner}).")
        found.append(Finding(text, PLAN + 2 * max(c.influence for c in people),
                             "; ".join(f"{c.name} {c.last_contact.isoformat()}" for c in people), Step.PLAN))
    return found


def insight_findings(account: Account, as_of: date) -> list[Finding]:
    """What the team has learned (`memory`), in the order nothing recorded, functions silent in the
    window, most of it rumour, and what was heard (highest priority first)."""
    if not memory.known(account, as_of):
        return [Finding("No insight is recorded: what the team learns about the customer stays in people's heads. "
                        "Log what the customer says, how it uses what we sell and figures from outside, with the "
                        "function that learned it (insights).", PLAN + 3, "", Step.PLAN)]
    days = memory.WINDOW_DAYS
    recent = memory.in_window(account, as_of)
    found = []
    silent = memory.silent_functions(account, as_of)
    if silent:
        who = [f"{readable(s.function)} ({', '.join(s.people)})" for s in silent]
        last = [f"the last from {readable(s.function)} {s.last.isoformat()}" if s.last
                else f"never from {readable(s.function)}" for s in silent]
        found.append(Finding(f"{_cap(_and(who))} {'has' if len(silent) == 1 else 'have'} told us nothing about this "
                             f"customer in the last {days} days: ask what they see there; a team beyond sales hears "
                             "what sales does not.", PLAN + min(2 * len(silent), 9), "; ".join(last), Step.PLAN))
    rumours = sum(1 for i in recent if i.kind == "rumour")
    if rumours >= 2 and rumours * 2 > len(recent):
        found.append(Finding(f"{rumours} of the last {days} days' {len(recent)} insights are rumour: confirm them "
                             "before the plan rests on them.", PLAN + 2, "", Step.PLAN))
    if recent:
        sources = list(dict.fromkeys(readable(i.source) for i in recent))
        newest = recent[0]
        found.append(Finding(f"{_n(len(recent), 'insight')} in the last {days} days, from {_and(sources)}; the newest "
                             f"({newest.date.isoformat()}, {readable(newest.source)}): {_quote(newest.insight)}.",
                             CONTEXT + 5, "", Step.PLAN))
    return _ranked(found, None)


# --- Page one and the portfolio -------------------------------------------------------------------

def top_findings(account: Account, settings: PortfolioSettings, as_of: date, n: int = 5) -> list[Finding]:
    """The n findings that most need action across the four steps of one account (the plan's first
    page): each step's findings together, highest priority first; equal priorities in the order of
    the steps (environment, competition, scorecard, plan)."""
    found = [*environment_findings(account, limit=None), *competition_findings(account, settings, limit=None),
             *scorecard_findings(account, settings, as_of, limit=None),
             *plan_findings(account, settings, as_of, limit=None)]
    return _ranked(found, n)


def portfolio_findings(whole: Portfolio, table: pd.DataFrame, *, limit: int | None = MAX_FINDINGS) -> list[Finding]:
    """The overview's findings: key accounts against capacity, where class and quadrant disagree,
    the portfolio's revenue gap and how much of it the weighted pipeline covers, the accounts with
    the most open risk, loss-makers, team members on competing accounts, accounts not placed, where
    to invest, and overdue work. `table` is `portfolio.portfolio_table`'s (its `as_of` is the
    planning date).

    The revenue gap here is over the accounts behind their target (Σ of their positive gaps), and
    each account's weighted pipeline counts only up to its own gap (`portfolio.target_coverage`'s
    shortfall): coverage = 1 − Σ shortfall / Σ positive gaps.

    Priorities: more key accounts than capacity NOW + 5, else PLAN + 19 × the share of capacity used;
    class against quadrant CYCLE + 3 per account; revenue gap CYCLE + 19 × the share uncovered (no
    target anywhere PLAN + 5, every target met CONTEXT + 5); loss-makers CYCLE + 3 each; competing
    team members CYCLE + 5; open risk PLAN + 5 × the top score + 1 per account with an overdue
    mitigation (at most 7; no open risk anywhere PLAN + 5, + 10 when the data shows unrecorded ones);
    overdue work PLAN + 5; not placed PLAN; invest to partner CONTEXT + 10; revenue against profit
    rank CONTEXT.
    """
    settings = whole.settings
    if table.empty:
        return [Finding("The portfolio has no accounts yet.", CONTEXT, "", Step.PORTFOLIO)]
    as_of = date.fromisoformat(str(table["as_of"].iloc[0]))
    found = [_capacity(table, settings), *_class_against_quadrant(table, settings),
             *_portfolio_gap(table, settings), *_portfolio_risks(whole, as_of), *_losses(table, settings)]
    conflicts = portfolio.competing_team_members(whole)
    if len(conflicts):
        people = sorted(set(conflicts["person"]))
        names = {a.id: a.name for a in whole.accounts.values()}
        pairs = sorted({f"{r.person}: {names[r.account]} and {names[r.competing_account]}"
                        for r in conflicts.itertuples()})
        found.append(Finding(f"{_and(people)} {'serves' if len(people) == 1 else 'serve'} two accounts that compete "
                             "with each other: decide whether to separate the teams, and keep each plan's data apart.",
                             CYCLE + 5, "; ".join(pairs), Step.PORTFOLIO))
    quads = portfolio.with_quadrants(table)
    off = portfolio.unplaced(table)
    for reason, part in off.groupby("reason", sort=False):
        names = part["name"].tolist()
        found.append(Finding(f"{_and(names[:5] + ([f'{len(names) - 5} more'] if len(names) > 5 else []))} "
                             f"{'is' if len(names) == 1 else 'are'} not placed on the portfolio matrix: {reason}.",
                             PLAN, "", Step.PORTFOLIO))
    invest = quads[quads["quadrant"] == "Invest to partner"]["name"].tolist()
    if invest:
        found.append(Finding(f"{_n(len(invest), 'account')} {'is' if len(invest) == 1 else 'are'} attractive and led "
                             f"by us (invest to partner), first {_and(invest[:3])}.", CONTEXT + 10, "",
                             Step.PORTFOLIO))
    found += _overdue_work(table)
    ranks = portfolio.rank_differences(table, top=1)
    if len(ranks) and ranks.iloc[0]["difference"] != 0:
        r = ranks.iloc[0]
        found.append(Finding(f"{r['name']} is number {r['revenue_rank']} by revenue but number {r['profit_rank']} by "
                             "profit.", CONTEXT, "", Step.PORTFOLIO))
    return _ranked(found, limit)


def _capacity(table: pd.DataFrame, settings: PortfolioSettings) -> Finding:
    """Key accounts (their class is key by its settings) against the capacity to run them."""
    key_classes = portfolio.key_classes(settings)
    keys = table[table["class"].isin(key_classes)]
    room = settings.capacity - len(keys)
    text = (f"{len(keys)} of {_n(len(table), 'account')} {'qualifies' if len(keys) == 1 else 'qualify'} as key "
            f"({_and([readable(k) for k in key_classes]) if key_classes else 'no class is key'}) against a capacity of "
            f"{settings.capacity}: " + (f"room for {room} more." if room >= 0 else f"{-room} too many to serve well."))
    priority = NOW + 5 if room < 0 else PLAN + _severity(19 * len(keys) / settings.capacity)
    return Finding(text, priority, "key: the class's key setting in portfolio.yaml", Step.PORTFOLIO)


def _class_against_quadrant(table: pd.DataFrame, settings: PortfolioSettings) -> list[Finding]:
    advice = portfolio.class_vs_quadrant(table, settings)
    differ = advice[advice["agree"].eq(False)]
    if differ.empty:
        return []
    parts = [f"{r['name']} ({readable(r['class'])}, a {'key' if r['key'] else 'non-key'} class, yet "
             f"{r['quadrant'].lower()})" for r in differ.to_dict("records")]
    text = (f"{_n(len(differ), 'account')} {'gets' if len(differ) == 1 else 'get'} different advice from "
            f"{'its' if len(differ) == 1 else 'their'} scorecard class and portfolio quadrant: {_and(parts)}; settle "
            f"{'it' if len(differ) == 1 else 'each'} at the next review (what to do is in the class-against-quadrant "
            "table).")
    return [Finding(text, CYCLE + _severity(3 * len(differ)),
                    "quadrant: attractiveness against the portfolio's median and relative strength against 1",
                    Step.PORTFOLIO)]


def _portfolio_gap(table: pd.DataFrame, settings: PortfolioSettings) -> list[Finding]:
    coverage = portfolio.target_coverage(table)
    if coverage.empty:
        return [Finding("No account has a revenue target for the coming years: the portfolio's gap cannot be "
                        "measured.", PLAN + 5, "", Step.PORTFOLIO)]
    behind = coverage[coverage["revenue_gap"] > 0]
    if behind.empty:
        return [Finding(f"All {_n(len(coverage), 'account')} with a target already meet their target-year revenue.",
                        CONTEXT + 5, "", Step.PORTFOLIO)]
    gap, short = float(behind["revenue_gap"].sum()), float(behind["shortfall"].sum())
    share = 1 - short / gap
    currency = settings.currency
    text = (f"{len(behind)} of the {_n(len(coverage), 'account')} with a target {'is' if len(behind) == 1 else 'are'} "
            f"short of it by {_money(currency, gap)} in all; {'its' if len(behind) == 1 else 'their'} weighted pipeline "
            f"covers {share:.0%} of that")
    if short > 0:
        worst = behind.iloc[0]
        text += (f": {_money(currency, short)} still to find, most at {worst['name']} "
                 f"({_money(currency, worst['shortfall'])}).")
    else:
        text += "."
    evidence = "each account's weighted pipeline counted up to its own gap; " + "; ".join(
        f"{r.account} gap {r.revenue_gap:,.0f}, weighted {r.pipeline_weighted:,.0f}" for r in behind.head(4).itertuples())
    return [Finding(text, CYCLE + _severity(19 * (1 - share)), evidence, Step.PORTFOLIO)]


def _portfolio_risks(whole: Portfolio, as_of: date) -> list[Finding]:
    across = portfolio.risks_across_accounts(whole, as_of)
    with_risk = across[across["top_risk_score"].notna()]
    late = int((across["overdue_mitigations"] > 0).sum())
    unrecorded = int((across["unrecorded_risks"] > 0).sum())
    if with_risk.empty:
        shows = (f", yet {_n(unrecorded, 'account')} {'shows' if unrecorded == 1 else 'show'} a risk nobody recorded "
                 "(a hostile, influential decision maker or an opportunistic customer)" if unrecorded else "")
        return [Finding(f"No account has an open risk recorded{shows}.", PLAN + 5 + (10 if unrecorded else 0), "",
                        Step.PORTFOLIO)]
    top = with_risk.iloc[0]
    others = [f"{r.name} ({r.top_risk_score:.2f})" for r in with_risk.iloc[1:3].itertuples()]
    tails = ([f"{_n(late, 'account')} {'has' if late == 1 else 'have'} a mitigation overdue"] if late else []) + \
            ([f"{_n(unrecorded, 'account')} {'shows' if unrecorded == 1 else 'show'} a risk nobody recorded"]
             if unrecorded else [])
    text = (f"{top['name']} carries the largest open risk (score {top['top_risk_score']:.2f} of 3, owner "
            f"{top['top_risk_owner']}): {_quote(top['top_risk'])}" + (f"; then {_and(others)}" if others else "")
            + (f"; {_and(tails)}." if tails else "."))
    evidence = (f"{len(with_risk)} of {_n(len(across), 'account')} with an open risk; "
                f"{int(across['open_risks'].sum())} open risks in all")
    return [Finding(text, PLAN + _severity(5 * top["top_risk_score"] + min(7, late)), evidence, Step.PORTFOLIO)]


def _losses(table: pd.DataFrame, settings: PortfolioSettings) -> list[Finding]:
    losing = table[table["profit"] < 0].sort_values("profit")
    if losing.empty:
        return []
    currency = settings.currency
    forecast = losing.loc[losing["forecast_year"].eq(True), "name"].tolist() if "forecast_year" in losing else []
    worst = losing.iloc[0]
    if len(losing) == 1:
        text = (f"{worst['name']} loses money after cost to serve: {_money(currency, worst['profit'])}"
                + (" in a forecast year." if forecast else "."))
    else:
        text = (f"{len(losing)} accounts lose money after cost to serve, worst {worst['name']} "
                f"({_money(currency, worst['profit'])}); together they cost {_money(currency, -losing['profit'].sum())}"
                + (f" (a forecast year for {_and(forecast)})." if forecast else "."))
    return [Finding(text, CYCLE + _severity(3 * len(losing)),
                    "; ".join(f"{r.name} {r.profit:,.0f}" for r in losing.itertuples()), Step.PORTFOLIO)]


def _overdue_work(table: pd.DataFrame) -> list[Finding]:
    projects = int(table["overdue_projects"].sum())
    steps = int(table["overdue_next_steps"].sum()) if "overdue_next_steps" in table else 0
    reviews = int(table["review_overdue"].eq(True).sum()) if "review_overdue" in table else 0
    if not (projects or steps or reviews):
        return []
    parts = [p for p in (_n(projects, "project") if projects else "", _n(steps, "next step") if steps else "",
                         _n(reviews, "plan review") if reviews else "") if p]
    weakest = table.sort_values("plan_health", kind="stable").iloc[0]
    return [Finding(f"Across the portfolio {_and(parts)} {'is' if projects + steps + reviews == 1 else 'are'} overdue; "
                    f"the weakest plan is {weakest['name']} (health {int(weakest['plan_health'])}).", PLAN + 5, "",
                    Step.PORTFOLIO)]
