"""Execution: running the step notebooks as plan jobs — in this process, a local pool of
workers, or on a Dask cluster — each job in its own kernel (forked or plain)."""
