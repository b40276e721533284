"""Runs one integration test module as ctest runs it: exit 0 when everything ran and
passed, 1 on a failure, and 77 (ctest's SKIP_RETURN_CODE) when a test could not run for a
missing tool, so ctest reports it skipped rather than passed; in CI (CI=true) a missing
tool fails the run (tests/support/tools.py).

usage: python3 run.py test_MODULE"""

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from tools import MISSING, SKIP, in_ci  # noqa: E402

module = sys.argv[1]
suite = unittest.defaultTestLoader.loadTestsFromName(module)
result = unittest.TextTestRunner(verbosity=2).run(suite)
if not result.wasSuccessful():
    sys.exit(1)
missing = sorted({reason for _, reason in result.skipped if reason.startswith(MISSING)})
if missing:
    for reason in missing:
        print(("FAIL: " if in_ci() else "SKIPPED: ") + reason, file=sys.stderr)
    sys.exit(1 if in_ci() else SKIP)
