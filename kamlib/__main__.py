"""`python -m kamlib`: the `kam` command, for an environment without the `kam` script on its path."""

from kamlib.cli import run

run()
