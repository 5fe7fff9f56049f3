"""Checks for the training course's exercises: specific feedback, not just right or wrong.

Every check takes the student's answer and the case data, and returns `Feedback`: whether the
answer holds, and lines that say what is right, what is off and why, with the numbers. An
answer left as `...` (the student copy's placeholder) gets "not answered yet", never an error,
so a student copy runs top to bottom. `student_copy` writes the notebooks with the answer
cells replaced by their placeholders (`kam training student-copy DIR`).
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from kamlib.method import action_plan, scorecard
from kamlib.parameters import workbook
from kamlib.parameters.model import Account, AccountClass, Assessment, ScorecardWeights

TRAINING_DIR = workbook.NOTEBOOKS_DIR / "training"  # the course, wherever the workbook is (workbook_dir)
ANSWER_TAG = "answer"
CASE_ACCOUNT = "tidewater-chilled"


@dataclass(frozen=True, repr=False)
class Feedback:
    """The verdict on one answer: True (right), False (not yet right) or None (not answered)."""

    correct: bool | None
    lines: list[str] = field(default_factory=list)

    @property
    def headline(self) -> str:
        """The verdict in words: `Right.`, `Not quite yet.` or `Not answered yet.`"""
        return {True: "Right.", False: "Not quite yet.", None: "Not answered yet."}[self.correct]

    def __str__(self) -> str:
        return "\n".join([self.headline, *(f"- {line}" for line in self.lines)])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = {True: "#1b7837", False: "#b2182b", None: "#5b6673"}[self.correct]
        items = "".join(f"<li>{escape(line)}</li>" for line in self.lines)
        return (f"<div style='border-left:4px solid {colour};padding:.3rem .8rem'>"
                f"<b style='color:{colour}'>{self.headline}</b><ul>{items}</ul></div>")


def open_case(as_of: str | None = None) -> workbook.AccountPlan:
    """The course's case account: `case/` next to the notebook being run (a student copy carries
    its own), else the one shipped in `notebooks/training/case/`."""
    folder = Path("case") if (Path("case") / "portfolio.yaml").is_file() else TRAINING_DIR / "case"
    return workbook.open_account(CASE_ACCOUNT, folder, as_of)


def _unanswered(answer: Any) -> bool:
    return answer is ... or answer is None


NOT_ANSWERED = Feedback(None, ["Replace the `...` in the cell above with your answer and run both cells again."])


# --- exercise: which forces matter most ------------------------------------------------------------

def check_top_forces(account: Account, answer: Any, count: int = 2) -> Feedback:
    """The `count` forces with the highest priority (|impact| × likelihood), by their number
    in the list (1 = first force in the file)."""
    if _unanswered(answer):
        return NOT_ANSWERED
    forces = account.environment
    try:
        picked = [int(i) for i in answer]
    except (TypeError, ValueError):
        return Feedback(False, [f"Give a list of {count} force numbers, e.g. [1, 3]; got {answer!r}."])
    priority = {i: abs(f.impact) * f.likelihood for i, f in enumerate(forces, start=1)}
    ranked = sorted(priority, key=lambda i: -priority[i])
    cut = priority[ranked[count - 1]]
    best = {i for i in priority if priority[i] >= cut - 1e-9}
    lines = []
    if len(picked) != count or len(set(picked)) != count:
        lines.append(f"Pick exactly {count} different forces; you gave {len(set(picked))}.")
    for i in picked:
        if i not in priority:
            lines.append(f"There is no force {i}: the forces are numbered 1 to {len(forces)}.")
            continue
        f = forces[i - 1]
        verdict = "one of the most important" if i in best else "not among the most important"
        lines.append(f"Force {i} ({f.force.replace('_', ' ')}): priority |{f.impact}| × {f.likelihood:.0%} = "
                     f"{priority[i]:.2f}: {verdict}.")
    missed = [i for i in ranked[:count] if i not in picked]
    for i in missed:
        f = forces[i - 1]
        lines.append(f"You left out force {i} ({f.force.replace('_', ' ')}): |{f.impact}| × {f.likelihood:.0%} = "
                     f"{priority[i]:.2f}. A likely force with a large impact outranks a dramatic but unlikely one.")
    correct = len(picked) == count and len(set(picked)) == count and set(picked) <= best
    if correct:
        lines.append("Both matter most because they are likely *and* hit the customer hard: these are the forces "
                     "the joint plan must answer first.")
    return Feedback(correct, lines)


# --- exercise: weight these buying criteria --------------------------------------------------------

def check_criteria_weights(answer: Any, stated_order: list[str], tolerance: float = 0.01) -> Feedback:
    """Weights for the buying criteria that sum to 1 and follow the order of importance the
    customer stated (most important first; equal weights are allowed between neighbours)."""
    if _unanswered(answer):
        return NOT_ANSWERED
    if not isinstance(answer, dict):
        return Feedback(False, [f"Give a dictionary {{criterion: weight}}; got {type(answer).__name__}."])
    lines = []
    missing = [c for c in stated_order if c not in answer]
    extra = [c for c in answer if c not in stated_order]
    if missing:
        lines.append(f"Weights missing for: {', '.join(missing)}.")
    if extra:
        lines.append(f"Not criteria of this customer: {', '.join(map(str, extra))}.")
    try:
        weights = {c: float(answer[c]) for c in stated_order if c in answer}
    except (TypeError, ValueError):
        return Feedback(False, [*lines, "Every weight must be a number between 0 and 1."])
    total = sum(weights.values())
    if any(w < 0 or w > 1 or math.isnan(w) for w in weights.values()):
        lines.append("Every weight must be between 0 and 1.")
    if abs(total - 1) > tolerance:
        lines.append(f"The weights add up to {total:.2f}; they must add up to 1, so that a weighted score stays "
                     "on the 1 to 5 scale.")
    else:
        lines.append(f"The weights add up to {total:.2f}: good.")
    inversions = [(a, b) for a, b in zip(stated_order, stated_order[1:])
                  if a in weights and b in weights and weights[a] < weights[b] - 1e-9]
    for a, b in inversions:
        lines.append(f"The customer ranks '{a}' above '{b}', but you weighted {a} {weights[a]:.2f} < "
                     f"{b} {weights[b]:.2f}. Weights are the customer's priorities, not ours.")
    if not inversions and weights:
        lines.append("Your weights follow the customer's stated priorities.")
    correct = not missing and not extra and not inversions and abs(total - 1) <= tolerance and \
        all(0 <= w <= 1 for w in weights.values())
    return Feedback(correct, lines)


# --- exercise: classify these accounts -------------------------------------------------------------

def check_classes(answer: Any, assessments: dict[str, Assessment], weights: ScorecardWeights,
                  classes: list[AccountClass]) -> Feedback:
    """The class of each account from its assessment: first class whose two thresholds both hold."""
    if _unanswered(answer):
        return NOT_ANSWERED
    if not isinstance(answer, dict):
        return Feedback(False, [f"Give a dictionary {{account: class}}; got {type(answer).__name__}."])
    names = [c.name for c in classes]
    lines, right = [], 0
    for account, assessment in assessments.items():
        customer, supplier = scorecard.side_scores(assessment, weights)
        expected = scorecard.classify(customer, supplier, classes)
        given = answer.get(account)
        why = f"customer side {customer:.2f}, our side {supplier:.2f}"
        if given == expected:
            right += 1
            lines.append(f"{account}: {expected}, right ({why}).")
            continue
        if given not in names:
            lines.append(f"{account}: '{given}' is not a class; the classes are {', '.join(names)}.")
            continue
        rule = next(c for c in classes if c.name == given)
        failed = []
        if customer < rule.customer_min:
            failed.append(f"customer side {customer:.2f} < {rule.customer_min:g}")
        if supplier < rule.supplier_min:
            failed.append(f"our side {supplier:.2f} < {rule.supplier_min:g}")
        reason = ("; ".join(failed) + f", so it is not {given}") if failed else \
            "an earlier class already applies (the first class whose thresholds both hold wins)"
        lines.append(f"{account}: not {given} — {reason}. It is {expected} ({why}).")
    return Feedback(right == len(assessments), lines)


# --- exercise: find the gaps in this joint plan ----------------------------------------------------

def check_plan_gaps(account: Account, answer: Any) -> Feedback:
    """Objectives without a strategy, strategies without a project, and open projects without
    a named owner at the customer."""
    if _unanswered(answer):
        return NOT_ANSWERED
    if not isinstance(answer, dict):
        return Feedback(False, ["Give a dictionary with the keys 'objectives', 'strategies' and 'projects'."])
    no_strategy, no_project = action_plan.plan_gaps(account)
    expected = {"objectives": set(no_strategy), "strategies": set(no_project),
                "projects": set(action_plan.missing_customer_owner(account))}
    explain = {"objectives": "objective(s) that no strategy serves",
               "strategies": "strategy(ies) that no project carries",
               "projects": "open project(s) with no named owner at the customer"}
    lines, correct = [], True
    for key, wanted in expected.items():
        given = {str(x) for x in answer.get(key, [])}
        found, missed, wrong = given & wanted, wanted - given, given - wanted
        if found:
            lines.append(f"{key}: found {', '.join(sorted(found))}, right: {explain[key]}.")
        if missed:
            correct = False
            lines.append(f"{key}: you missed {len(missed)} {explain[key]} — look again at the traceability table.")
        if wrong:
            correct = False
            lines.append(f"{key}: {', '.join(sorted(wrong))} is not a gap of this kind.")
        if not wanted and not given:
            lines.append(f"{key}: no gaps of this kind, and you found none: right.")
    return Feedback(correct, lines)


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


def forces_list(account: Account) -> list[str]:
    """The forces numbered as the exercise refers to them (no priorities shown)."""
    return [f"{i}. {f.force.replace('_', ' ')}: {f.description} (impact {f.impact:+d}, likelihood "
            f"{f.likelihood:.0%}, {f.horizon} term)" for i, f in enumerate(account.environment, start=1)]
