"""Checks for the training course's exercises: feedback computed from the case, hints that grow.

Every check takes the student's answer and the case data and returns `session.Feedback`: whether
the answer holds, and lines that say what is right, what is off and why, with the case's
numbers. The first try gets the verdict and a pointer; each further try a stronger hint; the
answer itself only after a right answer or `session.REVEAL_AFTER` tries. An answer the check
cannot read (text for a list, a NaN, a name without quotes) gets one friendly sentence and is no
try. An answer left as `...` is "not answered yet", never an error, so a student copy runs top to
bottom. A degenerate answer (a weight of 0 on a criterion the customer named, a tie where the
customer gave an order, every id listed as a gap) is refused with its reason; a defensible
alternative is accepted with its trade-off.

`student_copy` writes the notebooks with the answer cells replaced by their placeholders
(`kam training student-copy DIR`).
"""

from __future__ import annotations

import difflib
import math
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kamlib.method import action_plan, competition, environment, scorecard
from kamlib.method.wording import and_list, plural
from kamlib.parameters import workbook
from kamlib.parameters.model import US, Account, AccountClass, Assessment, ScorecardWeights, readable
from kamlib.training import session
from kamlib.training.session import REVEAL_AFTER, Feedback, reveal

__all__ = ["EXERCISES", "Exercise", "Feedback", "check_classes", "check_criteria_weights", "check_for_us",
           "check_plan_gaps",
           "check_top_forces", "forces_list", "open_case", "reveal", "student_copy"]

TRAINING_DIR = workbook.NOTEBOOKS_DIR / "training"  # the course, wherever the workbook is (workbook_dir)
ANSWER_TAG = "answer"
CASE_ACCOUNT = "tidewater-chilled"


@dataclass(frozen=True)
class Exercise:
    """One exercise of the course: its id (in the feedback's metadata), notebook and title."""

    id: str
    notebook: str
    title: str
    answer: str  # the answer cell's variable


EXERCISES = {e.id: e for e in (
    Exercise("top-forces", "T2_environment", "Which two forces matter most", "top_forces"),
    Exercise("for-us", "T2_environment", "Opportunity or threat for us", "for_us"),
    Exercise("criteria-weights", "T3_competitor_positioning", "Weight the buying criteria", "weights"),
    Exercise("classes", "T4_scorecard", "Classify three accounts", "classes"),
    Exercise("plan-gaps", "T5_joint_business_plan", "Find the gaps in the joint plan", "gaps"),
    Exercise("plan-addition", "T5_joint_business_plan", "Add a strategy, a project and a risk", "addition"),
    Exercise("profit", "T6_portfolio_and_profitability", "The most profitable account and the loss-makers",
             "profit"),
    Exercise("confidentiality", "T7_relationships_and_confidentiality", "What may cross between rival teams",
             "may_cross"),
)}
session.ANSWER_NAMES.update(e.answer for e in EXERCISES.values())


def open_case(as_of: str | None = None) -> workbook.AccountPlan:
    """The course's case account: `case/` next to the notebook being run (a student copy carries
    its own), else the one shipped in `notebooks/training/case/`. In a notebook, a name typed
    without quotes is explained in a sentence from now on (`session.friendly_errors`)."""
    session.friendly_errors()
    folder = Path("case") if (Path("case") / "portfolio.yaml").is_file() else TRAINING_DIR / "case"
    return workbook.open_account(CASE_ACCOUNT, folder, as_of)


PLACEHOLDER = "Replace the `...` in the answer cell with your answer and run both cells again."


def _start(exercise: str, answer: Any) -> Feedback | None:
    """The feedback for an answer that is not there yet (`...` or None), else None."""
    if answer is ...:
        return session.not_answered(exercise, [PLACEHOLDER])
    if answer is None:
        return session.not_answered(exercise, [
            "Your answer is None, which is Python for nothing: write your answer in the answer cell, in the form "
            "its comment shows."])
    return None


def _slip(*lines: str) -> Feedback:
    return Feedback(False, list(lines), slip=True)


def _kind(value: Any) -> str:
    """What a student typed, in words."""
    if isinstance(value, bool):
        return f"{value} (a yes or no)"
    if value is None:
        return "None (nothing)"
    if isinstance(value, float) and math.isnan(value):
        return "nan (not a number)"
    kinds = {str: "the text", int: "the number", float: "the number", list: "a list", tuple: "a tuple",
             set: "a set", dict: "a dictionary"}
    kind = kinds.get(type(value), f"a {type(value).__name__}")
    return f'{kind} "{value}"' if isinstance(value, str) else (f"{kind} {value}" if kind.startswith("the") else kind)


def _cap(text: str) -> str:
    """The first letter in capitals, the rest as it is (str.capitalize lowers the rest)."""
    return text[:1].upper() + text[1:]


def _norm(text: str) -> str:
    """Text compared the way a reader would: case, spaces, underscores and hyphens do not matter."""
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


def _did_you_mean(text: str, choices: Iterable[str]) -> str:
    by_norm = {_norm(c): c for c in choices}
    close = difflib.get_close_matches(_norm(text), list(by_norm), n=1, cutoff=0.6)
    return f' Did you mean "{by_norm[close[0]]}"?' if close else ""


def _number_slip(name: str, value: Any, what: str = "a number between 0 and 1") -> str | None:
    """Why `value` is no number (a friendly sentence), or None if it is one."""
    if isinstance(value, str):
        return f'The {name} is the text "{value}": write the number without quotes.'
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"The {name} is {_kind(value)}: give {what}."
    if math.isnan(value) or math.isinf(value):
        return f"The {name} is {value}, not a number you can weigh with: give {what}."
    return None


# --- T2: which forces matter most ------------------------------------------------------------------

IMPACT_WORDS = {-2: "hurts the customer a lot", -1: "hurts the customer", 0: "barely touches the customer",
                1: "helps the customer", 2: "helps the customer a lot"}
ALTERNATIVE_SHARE = 0.85  # a threat to us within 15% of the cut-off priority is a defensible pick
HORIZON_ORDER = {h: i for i, h in enumerate(environment.HORIZONS)}


def _words(n: int) -> str:
    return ("no", "one", "two", "three", "four", "five")[n] if 0 <= n <= 5 else str(n)


def _likely(p: float) -> str:
    return "likely" if p >= 0.8 else "more likely than not" if p >= 0.5 else "possible" if p >= 0.3 else "unlikely"


@dataclass(frozen=True)
class _Force:
    number: int
    label: str
    impact: int
    likelihood: float
    horizon: str
    for_us: str | None
    priority: float

    def sum(self) -> str:
        return f"|{self.impact:+d}| × {self.likelihood:.0%} = {self.priority:.2f}".replace("-", "−")

    def words(self) -> str:
        return f"it {IMPACT_WORDS[self.impact]} and is {_likely(self.likelihood)}"

    def __str__(self) -> str:
        return f"force {self.number} ({self.label.lower()})"


def _forces(account: Account) -> dict[int, _Force]:
    """The forces by their number in the list, with the method's priority (`environment.forces_table`)."""
    table = environment.forces_table(account)
    number = {(f.force, f.description): i for i, f in enumerate(account.environment, start=1)}
    return {number[(r.force, r.description)]: _Force(number[(r.force, r.description)], r.label, int(r.impact),
                                                     float(r.likelihood), r.horizon, r.for_us, float(r.priority))
            for r in table.itertuples()}


def _force_numbers(answer: Any, count: int, n: int, example: str) -> list[int] | str:
    """The student's force numbers, or a friendly sentence on why they cannot be read."""
    ask = f"give {count} force numbers in square brackets, separated by a comma, like {example}"
    if isinstance(answer, str):
        return f'You wrote the text "{answer}". Without quotes, {ask}.'
    if isinstance(answer, (int, float, bool)):
        return f"You gave {_kind(answer)}, a single value: {ask}."
    if not isinstance(answer, (list, tuple, set)):
        return f"You gave {_kind(answer)}: {ask}."
    numbers = []
    for item in answer:
        if isinstance(item, str) and item.strip().isdigit():
            return f'"{item}" is text: write the force number without quotes.'
        if isinstance(item, bool) or not isinstance(item, (int, float)) or (
                isinstance(item, float) and (not math.isfinite(item) or item != int(item))):
            return f"{_cap(_kind(item))} is not a force number: the forces are numbered 1 to {n}."
        numbers.append(int(item))
    outside = [i for i in numbers if not 1 <= i <= n]
    if outside:
        return f"There is no force {outside[0]}: the forces are numbered 1 to {n}."
    if len(set(numbers)) != count:
        twice = " (one of them twice)" if len(numbers) != len(set(numbers)) else ""
        return f"Pick exactly {count} different forces; you gave {len(set(numbers))}{twice}."
    return numbers


def check_top_forces(account: Account, answer: Any, count: int = 2, *, attempt: int | None = None) -> Feedback:
    """The `count` forces with the highest priority (|impact| × likelihood), by their number in the
    list (1 = first force in the file). A threat to us close to the cut-off (within 15% of its
    priority, no later than the force it replaces) is a defensible pick, accepted with the trade-off."""
    exercise = "top-forces"
    return _start(exercise, answer) or session.judged(
        exercise, answer, lambda level: _top_forces(account, answer, count, level), attempt)


def _top_forces(account: Account, answer: Any, count: int, level: int) -> Feedback:
    forces = _forces(account)
    ranked = sorted(forces, key=lambda i: -forces[i].priority)
    example = "[" + ", ".join(str(i) for i in sorted(ranked[-count:])) + "]"  # the least important: never the answer
    picked = _force_numbers(answer, count, len(forces), example)
    if isinstance(picked, str):
        return _slip(picked)
    cut = forces[ranked[count - 1]].priority
    best = [i for i in ranked if forces[i].priority >= cut - 1e-9]
    latest = max(HORIZON_ORDER[forces[i].horizon] for i in best if forces[i].priority <= cut + 1e-9)
    alternatives = [i for i in ranked if i not in best and forces[i].priority >= ALTERNATIVE_SHARE * cut
                    and forces[i].for_us in ("threat", "both") and HORIZON_ORDER[forces[i].horizon] <= latest]
    replaceable = {i for i in best if any(forces[a].priority >= ALTERNATIVE_SHARE * forces[i].priority
                                          for a in alternatives)}
    must = [i for i in best if i not in replaceable]
    ok = set(picked) <= set(best) | set(alternatives) and set(must) <= set(picked) and \
        len(set(picked) & set(alternatives)) <= len(replaceable)
    if ok:
        return Feedback(True, _right_forces(forces, picked, best, ranked, count))
    return Feedback(False, _wrong_forces(forces, picked, best, alternatives, count, level))


def _right_forces(forces: dict[int, _Force], picked: list[int], best: list[int], ranked: list[int],
                  count: int) -> list[str]:
    lines = [f"{_cap(str(forces[i]))}: {forces[i].sum()}: {forces[i].words()}." for i in picked]
    for a in [i for i in picked if i not in best]:
        f, gave_up = forces[a], [forces[i] for i in best if i not in picked]
        for g in gave_up:
            lines.append(
                f"{_cap(str(f))} instead of {g} is defensible: its priority ({f.priority:.2f}) is close to "
                f"{g.priority:.2f}, it is a threat to us and it bites {f.horizon} term. The trade-off: by the method's "
                f"priority {g} ranks higher, and it {IMPACT_WORDS[g.impact]} — a plan that answers only {f} misses "
                f"what {g} means for the account. Keep both in the plan; lead with the one you chose.")
    left = [forces[i] for i in ranked if i not in picked]
    weakest = min((forces[i] for i in picked), key=lambda f: abs(f.impact))
    for f in left:
        if abs(f.impact) > abs(weakest.impact):
            lines.append(f"{_cap(str(f))} has a larger impact ({f.impact:+d}) than {weakest}, but it is "
                         f"{_likely(f.likelihood)} ({f.likelihood:.0%}): {f.priority:.2f}, so it comes later.")
    lines.append("These are the forces the joint plan must answer first.")
    return lines


def _wrong_forces(forces: dict[int, _Force], picked: list[int], best: list[int], alternatives: list[int],
                  count: int, level: int) -> list[str]:
    lines = []
    for i in picked:
        f = forces[i]
        verdict = ("one of the forces that matter most" if i in best else
                   "a defensible pick, as the nearest threat to us, though not among the highest priorities"
                   if i in alternatives else f"not among the {_words(count)} that matter most")
        shown = f": {f.sum()}, {f.words()}" if level >= 2 else ""
        lines.append(f"{_cap(str(f))}{shown}: {verdict}.")
    missed = [i for i in best[:count] if i not in picked]
    if level == 1:
        verb = "matters" if len(missed) == 1 else "matter"
        lines.append(f"You left out {_words(len(missed))} {'force' if len(missed) == 1 else 'forces'} that {verb} "
                     "more. Compute each force's priority, |impact| × likelihood, and take the highest.")
    elif level == 2:
        others = and_list(str(i) for i in sorted(forces) if i not in picked)
        floor = max((forces[i].priority for i in picked if i not in best), default=0.0)
        which = "The force you left out has a priority" if len(missed) == 1 else \
            "The forces you left out have priorities"
        lines.append(f"{which} above {floor:.2f}: compute forces {others}. A likely force with a moderate impact "
                     "can outrank a dramatic but unlikely one.")
    else:
        for i in missed:
            lines.append(f"You left out {forces[i]}: {forces[i].sum()}: {forces[i].words()}.")
        lines.append(f"The {_words(count)} forces that matter most are {and_list(str(i) for i in sorted(best[:count]))}.")
    return lines


FOR_US = ("opportunity", "threat", "both")


def check_for_us(account: Account, answer: Any, *, attempt: int | None = None) -> Feedback:
    """What each force means for us — opportunity, threat or both — as the analysis judged it
    (`for_us`), by force number. The lesson: a force's impact on the customer is not what it means
    for us."""
    exercise = "for-us"
    return _start(exercise, answer) or session.judged(
        exercise, answer, lambda level: _for_us(account, answer, level), attempt)


def _for_us(account: Account, answer: Any, level: int) -> Feedback:
    forces = _forces(account)
    judged = {i: f for i, f in forces.items() if f.for_us}
    example = "{" + ", ".join(f'{i}: "…"' for i in sorted(judged)) + "}"
    if not isinstance(answer, dict):
        return _slip(f"You gave {_kind(answer)}: give a dictionary of force number and meaning, like {example}.")
    given: dict[int, str] = {}
    for key, value in answer.items():
        if isinstance(key, str) and key.strip().isdigit():
            return _slip(f'"{key}" is text: write the force number without quotes.')
        if isinstance(key, bool) or not isinstance(key, int) or key not in forces:
            return _slip(f"{_cap(_kind(key))} is not a force number: the forces are numbered 1 to {len(forces)}.")
        if not isinstance(value, str) or _norm(value) not in FOR_US:
            return _slip(f"For force {key} you gave {_kind(value)}: write opportunity, threat or both, in quotes.")
        given[key] = _norm(value)
    missing = [i for i in sorted(judged) if i not in given]
    if len(set(given.values())) == 1 and len(given) == len(judged) > 2 and len(
            {f.for_us for f in judged.values()}) > 1:
        return Feedback(False, [f"You called every force {next(iter(given.values()))}: that decides nothing. Take "
                                "each force in turn: does our offer answer it, or does it put our business at risk?"])
    lines, right = [], 0
    for i, f in sorted(judged.items()):
        if i not in given:
            continue
        hurts = f"it {IMPACT_WORDS[f.impact]} (impact {f.impact:+d})".replace("-", "−")
        implication = next(x.implication for n, x in enumerate(account.environment, start=1) if n == i)
        if given[i] == f.for_us:
            right += 1
            lines.append(f"{_cap(str(f))}: {f.for_us}, right — {hurts}; for us: {implication}")
        elif level >= REVEAL_AFTER:
            lines.append(f"{_cap(str(f))}: not {given[i]} but {f.for_us} — {hurts}; for us: {implication}")
        elif level == 2:
            lines.append(f"{_cap(str(f))}: not {given[i]}. {_cap(hurts)} — but ask what it does to our business "
                         "with the customer: does our offer answer it, or does it put our sales at risk?")
    wrong = sum(1 for i, f in judged.items() if i in given and given[i] != f.for_us)
    if wrong and level == 1:
        lines.append(f"{_cap(_words(wrong))} of your answers {'is' if wrong == 1 else 'are'} not what the analysis "
                     "says. For each force, ask what it does to our business with the customer, not to the customer.")
    if missing:
        lines.append(f"Give a meaning for every force; missing: {and_list(str(i) for i in missing)}.")
    correct = right == len(judged) and not missing
    if correct and any(f.for_us == "opportunity" and f.impact < 0 for f in judged.values()):
        lines.append("A force that hurts the customer can be our opportunity, when our offer is the answer: the "
                     "impact is what it does to them, not to us.")
    return Feedback(correct, lines)


def forces_list(account: Account) -> list[str]:
    """The forces numbered as the exercise refers to them (no priorities shown)."""
    return [f"{i}. {readable(f.force)}: {f.description} (impact {f.impact:+d}, likelihood "
            f"{f.likelihood:.0%}, {f.horizon} term)" for i, f in enumerate(account.environment, start=1)]


# --- T3: weight these buying criteria --------------------------------------------------------------

MIN_WEIGHT = 0.05   # a criterion the customer named counts for something
MAX_WEIGHT = 0.60   # above this, the first criterion alone decides


def check_criteria_weights(account: Account, answer: Any, stated_order: list[str], tolerance: float = 0.01, *,
                           attempt: int | None = None) -> Feedback:
    """Weights for the buying criteria that add up to 1 and follow the order the customer stated,
    strictly (most important first, no ties), each at least `MIN_WEIGHT` and none above
    `MAX_WEIGHT`; the feedback computes our relative strength with the student's weights."""
    exercise = "criteria-weights"
    return _start(exercise, answer) or session.judged(
        exercise, answer, lambda level: _criteria_weights(account, answer, stated_order, tolerance, level), attempt)


def _criteria_weights(account: Account, answer: Any, stated: list[str], tolerance: float, level: int) -> Feedback:
    words = {c: readable(c) for c in stated}
    example = "{" + ", ".join(f'"{words[c]}": {1 / len(stated):.2f}' for c in stated) + "}"
    if not isinstance(answer, dict):
        return _slip(f"You gave {_kind(answer)}: give a weight per criterion in curly brackets, like {example}.")
    by_norm = {_norm(c): c for c in stated}
    weights: dict[str, float] = {}
    for key, value in answer.items():
        if not isinstance(key, str):
            return _slip(f"{_cap(_kind(key))} is not a criterion: write each criterion in quotes.")
        if _norm(key) not in by_norm:
            return _slip(f'"{key}" is not one of this customer\'s criteria; they are '
                         f"{and_list(words.values())}.{_did_you_mean(key, words.values())}")
        why = _number_slip(f"weight of {words[by_norm[_norm(key)]]}", value)
        if why:
            return _slip(why)
        weights[by_norm[_norm(key)]] = float(value)
    lines = []
    missing = [words[c] for c in stated if c not in weights]
    if missing:
        lines.append(f"Give a weight for every criterion the customer named; missing: {and_list(missing)}.")
    total = sum(weights.values())
    if any(not 0 <= w <= 1 for w in weights.values()):
        lines.append("Every weight is a share of the decision: between 0 and 1.")
    if abs(total - 1) > tolerance:
        lines.append(f"The weights add up to {total:.2f}; they must add up to 1, so that a weighted score stays "
                     "on the 1 to 5 scale.")
    lines += _order_problems(weights, stated, words)
    correct = not lines
    if weights and not missing and abs(total - 1) <= tolerance:
        lines += _consequence(account, weights)
    if correct:
        lines.insert(0, "Your weights add up to 1 and fall in the order the customer gave: "
                        f"{' > '.join(f'{words[c]} {weights[c]:.2f}' for c in stated)}.")
    elif level >= 2:
        first, *rest = words.values()
        lines.append(f"Read the customer's words again: {first} first, then {', then '.join(rest)} — each "
                     "criterion weighs more than the next, and every one of them counts.")
    if not correct and level >= REVEAL_AFTER:
        n = len(stated)
        falling = [(n - i) / (n * (n + 1) / 2) for i in range(n)]
        lines.append(f"One weighting that fits: {and_list(f'{w:.2f}' for w in falling)} in the customer's order; "
                     "any strictly falling weights that add up to 1, none tiny, none overwhelming, will do.")
    return Feedback(correct, lines)


def _order_problems(weights: dict[str, float], stated: list[str], words: dict[str, str]) -> list[str]:
    lines = []
    for c in stated:
        if c in weights and weights[c] < MIN_WEIGHT:
            rank = ("first", "second", "third", "fourth", "fifth", "sixth")[min(stated.index(c), 5)]
            lines.append(f"A weight of {weights[c]:.2f} says the customer ignores {words[c]}; they ranked it "
                         f"{rank}, not irrelevant. Give every criterion they named at least {MIN_WEIGHT:.2f}.")
    top = max(weights.values(), default=0)
    if top > MAX_WEIGHT and len(weights) > 1:
        first = max(weights, key=lambda c: weights[c])
        lines.append(f"With {top:.2f} on {words[first]}, the other criteria together decide only {1 - top:.0%} of "
                     f"the choice: the customer gave an order, not a single criterion. Keep any one weight at most "
                     f"{MAX_WEIGHT:.2f}.")
    for a, b in zip(stated, stated[1:]):
        if a not in weights or b not in weights or max(weights[a], weights[b]) < MIN_WEIGHT:
            continue  # two criteria weighted nothing: the line above already says so
        if abs(weights[a] - weights[b]) < 1e-9:
            lines.append(f"You weighted {words[a]} and {words[b]} the same ({weights[a]:.2f}), but the customer put "
                         f"{words[a]} before {words[b]}: a strict order, so {words[a]} weighs more.")
        elif weights[a] < weights[b]:
            lines.append(f"The customer ranks {words[a]} above {words[b]}, but you weighted {words[a]} "
                         f"{weights[a]:.2f} < {words[b]} {weights[b]:.2f}. Weights are the customer's priorities, "
                         "not ours.")
    return lines


def with_weights(account: Account, weights: dict[str, float]) -> Account:
    """The account with its buying criteria reweighted (criteria not in `weights` keep theirs)."""
    criteria = [c.model_copy(update={"weight": weights.get(c.criterion, c.weight)}) for c in account.buying_criteria]
    return account.model_copy(update={"buying_criteria": criteria})


def _consequence(account: Account, weights: dict[str, float]) -> list[str]:
    """What the student's weights do to our relative strength (kamlib.method.competition)."""
    before = competition.relative_strength(account)
    changed = with_weights(account, weights)
    after = competition.relative_strength(changed)
    if before is None or after is None:
        return []
    scores = competition.weighted_scores(changed)
    rival = scores.drop(US).idxmax()
    trend = "grows" if after > before + 0.005 else "shrinks" if after < before - 0.005 else "holds"
    side = "lead" if after >= 1 else "gap"
    line = (f"With your weights we score {scores[US]:.2f} and {rival}, the strongest competitor, {scores[rival]:.2f}: "
            f"relative strength {after:.2f} ({before:.2f} with the weights in the case file), so our {side} {trend}.")
    table = competition.criteria_table(account).set_index("criterion")
    up = [c for c in weights if weights[c] > table.loc[c, "weight"] + 0.02]
    down = [c for c in weights if weights[c] < table.loc[c, "weight"] - 0.02]

    def where(c: str) -> str:
        gap = table.loc[c, "gap_to_best"]
        stand = "we lead" if gap > 0 else "we trail" if gap < 0 else "we only match the best"
        return f"{readable(c)} ({stand}, {table.loc[c, US]:g} against {table.loc[c, US] - gap:g})"

    if up or down:
        moved = [f"more weight on {and_list(where(c) for c in up)}" if up else "",
                 f"less on {and_list(where(c) for c in down)}" if down else ""]
        line += f" You put {' and '.join(m for m in moved if m)}."
    return [line]


# --- T4: classify these accounts -------------------------------------------------------------------

def check_classes(answer: Any, assessments: dict[str, Assessment], weights: ScorecardWeights,
                  classes: list[AccountClass], *, attempt: int | None = None) -> Feedback:
    """The class of each account from its assessment: the first class whose two thresholds both hold.
    A wrong class is explained by the threshold it fails; the right class is named only after
    `REVEAL_AFTER` tries."""
    exercise = "classes"
    return _start(exercise, answer) or session.judged(
        exercise, answer, lambda level: _classes(answer, assessments, weights, classes, level), attempt)


CUSTOMER_SIDE = ("willingness_to_partner", "transparency", "growth_potential", "responsiveness")
SUPPLIER_SIDE = ("willingness_to_partner", "transparency", "contribution_to_growth")


def assessed(customer: tuple[int, ...], supplier: tuple[int, ...], when: date = date(2026, 9, 30)) -> Assessment:
    """An assessment from the scores in the scorecard's order (customer side: willingness to
    partner, transparency, growth potential, responsiveness; our side: willingness to partner,
    transparency, contribution to growth)."""
    return Assessment.model_validate({"date": when, "customer": dict(zip(CUSTOMER_SIDE, customer, strict=True)),
                                      "supplier": dict(zip(SUPPLIER_SIDE, supplier, strict=True)),
                                      "evidence": "exercise"}, strict=False)


def described(name: str, assessment: Assessment) -> str:
    """An assessment in words: `Harrow Bakeries: customer side willingness to partner 5, … ; our side …`."""
    def side(scores: dict[str, float]) -> str:
        return ", ".join(f"{readable(k)} {v:g}" for k, v in scores.items())
    return (f"{name}: customer side {side(assessment.customer.model_dump())}; "
            f"our side {side(assessment.supplier.model_dump())}")


def _side_sum(assessment: Assessment, weights: ScorecardWeights, side: str) -> str:
    scores, w = getattr(assessment, side).model_dump(), getattr(weights, side).model_dump()
    return " + ".join(f"{w[k]:.2f} × {scores[k]:g}" for k in w if w[k])


def _classes(answer: Any, assessments: dict[str, Assessment], weights: ScorecardWeights,
             classes: list[AccountClass], level: int) -> Feedback:
    names = {_norm(c.name): c for c in classes}
    class_words = and_list(readable(c.name) for c in classes)
    example = "{" + ", ".join(f'"{a}": "…"' for a in assessments) + "}"
    if not isinstance(answer, dict):
        return _slip(f"You gave {_kind(answer)}: give a class per account in curly brackets, like {example}.")
    accounts = {_norm(a): a for a in assessments}
    given: dict[str, AccountClass | None] = {}
    lines = []
    for key, value in answer.items():
        if not isinstance(key, str) or _norm(key) not in accounts:
            return _slip(f"{_cap(_kind(key))} is not one of the accounts to classify: they are "
                         f"{and_list(assessments)}.{_did_you_mean(str(key), assessments)}")
        name = accounts[_norm(key)]
        if value is None:
            given[name] = None
        elif not isinstance(value, str):
            return _slip(f"The class of {name} is {_kind(value)}: write the class's name in quotes, one of "
                         f"{class_words}.")
        elif _norm(value) not in names:
            return _slip(f'"{value}" is not a class; the classes are {class_words}.'
                         f"{_did_you_mean(value, (readable(c.name) for c in classes))}")
        else:
            given[name] = names[_norm(value)]
    right = 0
    for name, assessment in assessments.items():
        customer, supplier = scorecard.side_scores(assessment, weights)
        expected = scorecard.classify(customer, supplier, classes)
        chosen = given.get(name)
        if name not in given:
            lines.append(f"{name}: no class given.")
        elif chosen is None:
            lines.append(f"{name}: no class given yet (None).")
        elif chosen.name == expected:
            right += 1
            lines.append(f"{name}: {readable(expected)}, right (customer side {customer:.2f}, our side {supplier:.2f}).")
        else:
            lines.append(_wrong_class(name, assessment, weights, chosen, expected, customer, supplier, level))
    return Feedback(right == len(assessments), lines)


def _wrong_class(name: str, assessment: Assessment, weights: ScorecardWeights, chosen: AccountClass, expected: str,
                 customer: float, supplier: float, level: int) -> str:
    words = readable(chosen.name)
    sides = [("the customer side", "customer", customer, chosen.customer_min),
             ("our side", "supplier", supplier, chosen.supplier_min)]
    failing = [(label, key, score, need) for label, key, score, need in sides if score < need]
    if failing:
        if level == 1:
            why = and_list(label for label, *_ in failing)
            verb = "falls" if len(failing) == 1 else "fall"
            line = f"{name}: not {words}: {why} {verb} short of what {words} needs. Compute the weighted score."
        else:
            line = f"{name}: not {words}: " + "; ".join(
                f"{label} {_side_sum(assessment, weights, key)} = {score:.2f} < {need:g}"
                for label, key, score, need in failing) + f", and {words} needs both."
    else:
        line = (f"{name}: not {words}: both its scores clear {words}'s thresholds, but a class higher in the table "
                "clears too, and the first class whose two thresholds hold wins.")
        if level >= 2:
            line += f" (Customer side {customer:.2f}, our side {supplier:.2f}.)"
    if level >= REVEAL_AFTER:
        line += f" It is {readable(expected)}."
    return line


# --- T5: find the gaps in this joint plan ----------------------------------------------------------

GAP_KINDS = {"objectives": "objective that no strategy serves", "strategies": "strategy that no project carries",
             "projects": "open shared project with no named owner at the customer"}
GAP_PLURALS = {"objectives": "objectives that no strategy serves", "strategies": "strategies that no project carries",
               "projects": "open shared projects with no named owner at the customer"}


def check_plan_gaps(account: Account, answer: Any, *, attempt: int | None = None) -> Feedback:
    """Objectives without a strategy, strategies without a project, open shared projects without a
    named owner at the customer. An objective whose every strategy lacks a project (it cannot be
    achieved either) is accepted with the explanation; listing everything is no analysis."""
    exercise = "plan-gaps"
    return _start(exercise, answer) or session.judged(
        exercise, answer, lambda level: _plan_gaps(account, answer, level), attempt)


def _plan_ids(account: Account) -> dict[str, list[str]]:
    plan = account.joint_plan
    return {"objectives": [o.id for o in plan.objectives], "strategies": [s.id for s in plan.strategies],
            "projects": [p.id for p in plan.projects]}


def _read_gaps(account: Account, answer: Any) -> dict[str, set[str]] | str:
    """The student's ids per kind, upper-cased, or a friendly sentence on why they cannot be read."""
    example = '{"objectives": ["…"], "strategies": ["…"], "projects": ["…"]}'
    if not isinstance(answer, dict):
        return f"You gave {_kind(answer)}: give a dictionary with a list of ids per kind of gap, like {example}."
    ids = _plan_ids(account)
    kind_of = {i: k for k, found in ids.items() for i in found}
    read: dict[str, set[str]] = {k: set() for k in GAP_KINDS}
    for key, value in answer.items():
        kind = next((k for k in GAP_KINDS if isinstance(key, str) and _norm(key).startswith(k[:7])), None)
        if kind is None:
            return f"{_cap(_kind(key))} is no kind of gap: the keys are objectives, strategies and projects."
        if value is None:
            value = []
        if isinstance(value, str):
            return f'Under {kind}, put the ids in a list, even one: ["{value}"], not "{value}" (an empty list [] for none).'
        if not isinstance(value, (list, tuple, set)):
            return f"Under {kind} you gave {_kind(value)}: give a list of ids in quotes, like [\"{ids[kind][0]}\"]."
        for item in value:
            if not isinstance(item, str):
                return f"{_cap(_kind(item))} under {kind} is not an id: write ids in quotes, like \"{ids[kind][0]}\"."
            item = item.strip().upper()
            if item not in kind_of:
                return f"There is no {item} in the plan; the {kind} are {and_list(ids[kind])}."
            if kind_of[item] != kind:
                return f"{item} is one of the {kind_of[item]}: list it under {kind_of[item]}, not {kind}."
            read[kind].add(item)
    return read


def _plan_gaps(account: Account, answer: Any, level: int) -> Feedback:
    read = _read_gaps(account, answer)
    if isinstance(read, str):
        return _slip(read)
    plan = account.joint_plan
    no_strategy, no_project = action_plan.plan_gaps(account)
    expected = {"objectives": set(no_strategy), "strategies": set(no_project),
                "projects": set(action_plan.missing_customer_owner(account))}
    serving = {o.id: [s.id for s in plan.strategies if o.id in s.objectives] for o in plan.objectives}
    carrying = {s.id: [p.id for p in plan.projects if p.strategy == s.id] for s in plan.strategies}
    stranded = {o for o, ss in serving.items() if ss and all(s in expected["strategies"] for s in ss)}
    lines, correct = [], True
    everything = [k for k, ids in _plan_ids(account).items() if len(ids) > 1 and read[k] >= set(ids)]
    if everything and level < REVEAL_AFTER:
        return Feedback(False, [
            f"You listed every one of the {and_list(everything)}: a list of everything is no analysis, and it would "
            "send the team to fix what works. Name only the ids that are gaps of each kind."])
    for kind, wanted in expected.items():
        given = read[kind]
        accepted = given & stranded if kind == "objectives" else set()
        wrong, missed = given - wanted - accepted, wanted - given
        if given & wanted:
            lines.append(f"{kind.capitalize()}: {and_list(sorted(given & wanted))}, right: "
                         f"{plural(len(given & wanted), GAP_KINDS[kind], GAP_PLURALS[kind])}.")
        for o in sorted(accepted):
            lines.append(f"{o} has a strategy, {and_list(serving[o])}, but no project carries it, so {o} cannot be "
                         f"achieved either: listing it is fair. The root gap is {and_list(serving[o])}: staff it and "
                         f"{o} is covered.")
        for i in sorted(wrong):
            correct = False
            lines.append(_not_a_gap(account, kind, i, serving, carrying))
        if missed:
            correct = False
            lines.append(_missed_gaps(kind, missed, level))
        if not wanted and not given:
            lines.append(f"{kind.capitalize()}: no gap of this kind, and you listed none: right.")
    if correct:
        for o in sorted(stranded - read["objectives"]):
            lines.append(f"You could also name {o}: it has a strategy ({and_list(serving[o])}) but no project carries "
                         "it, so it cannot be achieved until the strategy is staffed.")
    return Feedback(correct, lines)


def _not_a_gap(account: Account, kind: str, i: str, serving: dict[str, list[str]],
               carrying: dict[str, list[str]]) -> str:
    if kind == "objectives":
        return f"{i} is not a gap of this kind: {and_list(serving[i])} serves it."
    if kind == "strategies":
        verb = "carries" if len(carrying[i]) == 1 else "carry"
        return f"{i} is not a gap of this kind: {and_list(carrying[i])} {verb} it."
    project = next(p for p in account.joint_plan.projects if p.id == i)
    if not project.shared:
        return f"{i} is not a gap of this kind: it is an internal project, so it needs no owner at the customer."
    if project.status not in action_plan.OPEN_STATUSES:
        return f"{i} is not a gap of this kind: it is {readable(project.status)}, no longer open."
    return f"{i} is not a gap of this kind: {project.customer_owner} owns it at the customer."


def _missed_gaps(kind: str, missed: set[str], level: int) -> str:
    line = f"{kind.capitalize()}: you missed {plural(len(missed), GAP_KINDS[kind], GAP_PLURALS[kind])}."
    where = {"objectives": "Follow each objective to the strategies table: which objective does no strategy name?",
             "strategies": "Read the strategy column of the projects table: which strategy never appears?",
             "projects": "Read the customer owner column of the open shared projects: is every one a person?"}
    if level >= 2:
        line += " " + where[kind]
    if level >= REVEAL_AFTER:
        line += f" It is {and_list(sorted(missed))}."
    return line


# --- student copies ---------------------------------------------------------------------------------

def student_copy(target: Path, source: Path = TRAINING_DIR, force: bool = False) -> list[Path]:
    """Write the course for students into `target`: every cell tagged `answer` replaced by its
    placeholder (cell metadata `kam.student`), outputs cleared; the case files copied alongside.
    The trainer's notebooks are not changed."""
    import nbformat

    from kamlib.errors import UsageError

    target = Path(target)
    if target.resolve() == Path(source).resolve():
        raise UsageError("the student copy must go to another folder than the course itself")
    if target.exists() and any(target.iterdir()) and not force:
        raise UsageError(f"{target} is not empty; give an empty folder or --force")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(Path(source).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            if ANSWER_TAG in cell.metadata.get("tags", []):
                cell.source = cell.metadata.get("kam", {}).get("student", "answer = ...")
        out = target / path.name
        nbformat.write(nb, out)
        written.append(out)
    for extra in ("case",):
        if (Path(source) / extra).is_dir():
            shutil.copytree(Path(source) / extra, target / extra, dirs_exist_ok=True)
    return written
