"""``python -m helpers.report``: what ``render.sh`` runs."""

import sys

from helpers.report.pipeline import main

sys.exit(main())
