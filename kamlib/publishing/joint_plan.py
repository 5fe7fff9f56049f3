"""The customer-facing documents: `joint-plan.html` (printed to `joint-plan.pdf` with the plan)
rendered from `customer_view.shared_view` only; the template never sees the account."""

from __future__ import annotations

from pathlib import Path

from kamlib.method import customer_view


def write_joint_documents(folder: Path, shared: customer_view.SharedPlan, version: str) -> list[str]:
    """Write the customer-facing documents into a staging folder; returns the file names."""
    write_joint_plan(folder, shared, version)
    return ["joint-plan.html"]


def write_joint_plan(folder: Path, shared: customer_view.SharedPlan, version: str) -> None:
    """The customer-facing joint business plan, rendered from the shared view only (the
    template never sees the account)."""
    from kamlib.display import charts
    from kamlib.publishing import documents

    projects = shared.projects_frame()
    timeline = documents.png_base64(charts.gantt(projects, shared.as_of)) if len(projects) else None
    page = documents.template("joint-plan.html.j2").render(
        plan=shared, version=version, timeline=timeline,
        footer_text=f"Joint business plan · {shared.customer} and {shared.supplier} · {version} · "
                    f"{shared.as_of.isoformat()}",
    )
    (folder / "joint-plan.html").write_text(page, encoding="utf-8")


