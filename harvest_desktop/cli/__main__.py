"""`python -m harvest_desktop.cli`."""

import sys

from harvest_desktop.cli import main

sys.exit(main())
