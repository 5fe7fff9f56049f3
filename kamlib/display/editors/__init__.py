"""Widgets for strategists working a plan in JupyterLab or the app: edit, see the plan react, save back.

- `live`: the assessment editor (sliders, a live trend), the project editor (Gantt) and the
  portfolio what-ifs of weights and thresholds.
- `what_if`: the editable sections of an account file and what a change does to the analysis
  each feeds (pure functions, no widgets).
- `sections`: one editor per section, built from the model's fields, and the notebooks' calls:
  `section_editor`, `step_editors`, `new_account_form`.

In a batch run (`KAM_BATCH=1`, set by the runner for its kernels) every editor returns None, so
the executed notebook and the plan document carry the static analysis only and nothing waits for
input. ipywidgets is imported only when an editor is built.
"""

from kamlib.display.editors.live import (
    CUSTOMER_ATTRIBUTES,
    STATUSES,
    SUPPLIER_ATTRIBUTES,
    AssessmentEditor,
    AssessmentPreview,
    AttractivenessWhatIf,
    ProjectEditor,
    ScorecardWhatIf,
    _LiveMatrix,
    _LiveTrend,
    assessment_editor,
    attractiveness_sliders,
    attractiveness_what_if,
    in_batch,
    preview_assessment,
    project_editor,
    reclassify,
    scorecard_what_if,
    with_project,
)
from kamlib.display.editors.what_if import SECTION_SPECS, Preview, preview, section_value, with_section

__all__ = [
    "CUSTOMER_ATTRIBUTES", "STATUSES", "SUPPLIER_ATTRIBUTES", "AssessmentEditor", "AssessmentPreview",
    "AttractivenessWhatIf", "ProjectEditor", "ScorecardWhatIf", "_LiveMatrix", "_LiveTrend", "assessment_editor",
    "attractiveness_sliders", "attractiveness_what_if", "in_batch", "preview_assessment", "project_editor",
    "reclassify", "scorecard_what_if", "with_project", "SECTION_SPECS", "Preview", "preview", "section_value",
    "with_section",
]
from kamlib.display.editors.sections import (  # noqa: E402 - after the modules it builds on
    SECTIONS,
    STEP_SECTIONS,
    NewAccountForm,
    SectionEditor,
    new_account_form,
    section_editor,
    step_editors,
)

__all__ += ["SECTIONS", "STEP_SECTIONS", "NewAccountForm", "SectionEditor", "new_account_form", "section_editor",
            "step_editors"]
