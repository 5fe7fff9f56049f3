import sys

from kamlib.cli import main

sys.exit(main())
