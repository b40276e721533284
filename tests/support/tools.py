"""A test that needs a tool (redis-server, nginx, caddy, slowhttptest...) finds it here.

When the tool is missing the test cannot run, and says so: it is reported to ctest as
skipped (exit 77, SKIP_RETURN_CODE), never as passed. In CI (CI=true, as .ci/run sets it)
a missing tool is a failure instead: `scripts/install-deps.sh --test` installs every tool
the tests use, so a skip there means the install is broken and something went untested.
"""

import os
import shutil
import sys
import unittest

SKIP = 77  # ctest SKIP_RETURN_CODE
MISSING = "missing tool: "  # how a skip for a missing tool begins (run.py looks for it)


def in_ci():
    return os.environ.get("CI", "").lower() == "true"


def find(*names):
    """The path of the first of `names` that is installed, or None."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def requires(*tools):
    """A unittest decorator (class or method): skipped when any of `tools` is missing."""
    missing = [tool for tool in tools if find(tool) is None]
    return unittest.skipIf(bool(missing), MISSING + ", ".join(missing) +
                           " (scripts/install-deps.sh --test installs it)")


def exit_missing(tool):
    """For a script-style test: stops it as skipped, or as failed in CI."""
    if in_ci():
        print(f"FAIL: {tool} is not installed, and CI must run every test "
              "(scripts/install-deps.sh --test installs it)", file=sys.stderr)
        sys.exit(1)
    print(f"SKIP: {tool} is not installed", file=sys.stderr)
    sys.exit(SKIP)
