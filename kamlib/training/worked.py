"""The course's worked examples, written out from the case by the method's functions, so no figure
in a notebook is typed by hand: change the case and the examples follow."""

from __future__ import annotations

from kamlib.method import competition, environment, scorecard
from kamlib.method.wording import and_list, money, percent
from kamlib.parameters.model import US, Account, Assessment, PortfolioSettings, readable


def share_of_wallet(account: Account, settings: PortfolioSettings) -> list[str]:
    """Our share of the customer's category spend in the latest year, worked, and who holds the rest."""
    latest = account.financials[-1]
    table = competition.share_of_wallet(account).set_index("player")
    rivals = [f"{name} {percent(row.share)}" for name, row in table.drop([US, "unallocated"]).iterrows()]
    return [f"In {latest.year} {account.name} spent {money(latest.wallet, settings.currency)} in our category, "
            f"{money(latest.revenue, settings.currency)} of it with {settings.supplier}.",
            f"Our share of wallet: {latest.revenue:,.0f} / {latest.wallet:,.0f} = {percent(table.loc[US, 'share'], 1)}.",
            f"Competitors hold {and_list(rivals)}; {percent(table.loc['unallocated', 'share'], 1)} is with nobody "
            "we know of."]


def force_priorities(account: Account, numbers: tuple[int, ...] = (1, 2)) -> list[str]:
    """The priority of the forces with these numbers (1 = first in the file), worked."""
    table = environment.forces_table(account).set_index("description")
    lines = []
    for n in numbers:
        f = account.environment[n - 1]
        row = table.loc[f.description]
        lines.append(f"Force {n} ({row['label'].lower()}): |{f.impact:+d}| × {percent(f.likelihood)} = "
                     f"{row['priority']:.2f}".replace("-", "−"))
    return lines


def weighted_scores(account: Account) -> list[str]:
    """Our weighted score and the strongest competitor's, worked term by term, and our relative strength."""
    scores = competition.weighted_scores(account)
    rival = scores.drop(US).idxmax()

    def worked(player: str) -> str:
        terms = " + ".join(f"{c.weight:.2f} × {c.scores[player]:g}" for c in account.buying_criteria)
        return f"{'Our weighted score' if player == US else player}: {terms} = {scores[player]:.2f}"

    strength = competition.relative_strength(account)
    return [worked(US), worked(rival),
            f"Our relative strength: {scores[US]:.2f} / {scores[rival]:.2f} = {strength:.2f}"
            + (": we lead." if strength and strength >= 1 else ": we trail.")]


def side_scores(assessment: Assessment, settings: PortfolioSettings) -> list[str]:
    """Both sides of an assessment, worked, and the class: each class's thresholds in turn until
    the first whose two both hold."""
    weights = settings.scorecard.weights
    customer, supplier = scorecard.side_scores(assessment, weights)

    def worked(side: str, score: float) -> str:
        w, s = getattr(weights, side).model_dump(), getattr(assessment, side).model_dump()
        terms = " + ".join(f"{w[k]:.2f} × {s[k]:g}" for k in w if w[k])
        return f"{'Customer side' if side == 'customer' else 'Our side'}: {terms} = {score:.2f}"

    lines = [worked("customer", customer), worked("supplier", supplier)]
    for klass in settings.scorecard.classes:
        held = customer >= klass.customer_min and supplier >= klass.supplier_min
        lines.append(f"{readable(klass.name).capitalize()} needs {klass.customer_min:g} and {klass.supplier_min:g}: "
                     + ("both met, so this is the class." if held else "not met."))
        if held:
            break
    return lines
