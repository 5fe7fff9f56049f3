"""The method: pure analysis of a validated account or portfolio, one module per step.

Model in, DataFrames and small result objects out; no file I/O, no clock, no printing, and no
import of display, execution, publishing or the command line (checked by `make lint`).
"""
