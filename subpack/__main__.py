"""``python -m subpack`` runs the command line."""

import sys

from subpack.cli import main

sys.exit(main())
