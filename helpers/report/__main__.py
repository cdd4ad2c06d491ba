"""``python -m helpers.report``: what ``render.sh`` runs."""

import sys

from helpers.report.cli import main

sys.exit(main())
