"""``python -m subpack`` runs the command line."""

import sys

from subpack.cli import console_main

sys.exit(console_main())
