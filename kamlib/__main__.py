from kamlib.cli import run

run()
