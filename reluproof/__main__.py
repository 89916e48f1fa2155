"""`python -m reluproof` is the `reluproof` command."""

import sys

from reluproof.cli import main

sys.exit(main())
