"""kamlib: the key account planning workbook's library, in layers that import one way only.

    parameters/   the user's files: read, validated (file:line:field), edited, scaffolded
    method/       the analysis of each planning step: pure functions of the model
    display/      what a reader sees: charts, tables, text, editors
    training/     the course's exercises and their checks
    execution/    plan jobs: notebooks run in kernels, locally or on a Dask cluster
    publishing/   the single writer of outputs/: versions, documents, history
    exchange/     CRM and spreadsheet imports
    cli.py        `kam`, a thin face over the rest; errors.py, the errors every layer raises

`make lint` checks the direction (import-linter contracts in pyproject.toml).
"""

__version__ = "0.1.0"
