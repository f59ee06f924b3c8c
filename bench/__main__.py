"""`python -m bench`: run the benchmark matrix and write bench/results/<date>-<host>.md."""

import sys

from bench.runner import main

sys.exit(main())
