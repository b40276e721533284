"""The fixed cases of tests/unit/test_experiment_stats.cpp, recomputed with statsmodels.

The C++ test holds each case's figures as numbers, so that it runs without Python; this
script reads that table back and recomputes every row with statsmodels (Debian's
python3-statsmodels), the oracle issue 33 names, so that the fixed values cannot drift from
it: a row whose figures statsmodels does not give, or gives otherwise, fails here.

A figure statsmodels has no answer for (it raises, warns, or returns NaN or infinity) is
`std::nullopt` in the table. Exit 77 (ctest's SKIP_RETURN_CODE) when statsmodels is not
installed.

    experiment_stats_oracle.py [TEST_FILE]            check the table
    experiment_stats_oracle.py --rows XS NS XH NH PCT  print one row to paste into it
"""

import math
import pathlib
import re
import sys

SKIP = 77
TABLE_FILE = pathlib.Path(__file__).with_name("test_experiment_stats.cpp")
# The table prints 17 significant digits; statsmodels and the table agree far closer than
# the 1e-6 the C++ test allows, so any edit of a value shows here.
RELATIVE = 1e-12
ABSOLUTE = 1e-15

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
from statsmodels_figures import figures  # noqa: E402  (exits 77, or fails in CI, without it)


def cpp_value(value):
    if value is None:
        return "std::nullopt"
    if isinstance(value, tuple):
        return "E{" + ", ".join(repr(v) for v in value) + "}"
    return repr(value)


def row(xs, ns, xh, nh, percent):
    return ("    {{%d, %d}, {%d, %d}, %d, " % (ns, xs, nh, xh, percent) +
            ", ".join(cpp_value(v) for v in figures(xs, ns, xh, nh, percent)) + "},")


NUMBER = r"-?[0-9.]+(?:e[-+]?[0-9]+)?"
FIGURE = r"(E\{[^}]*\}|std::nullopt|" + NUMBER + r")"
ROW = re.compile(r"^\s*\{\{(\d+), (\d+)\}, \{(\d+), (\d+)\}, (\d+), " + FIGURE + ", " + FIGURE +
                 ", " + FIGURE + r"\},\s*$")


def parse(text):
    if text == "std::nullopt":
        return None
    if text.startswith("E{"):
        return tuple(float(v) for v in text[2:-1].split(","))
    return float(text)


def close(expected, actual):
    if expected is None or actual is None:
        return expected is None and actual is None
    if not isinstance(expected, tuple):
        expected, actual = (expected,), (actual,)
    return all(math.isclose(e, a, rel_tol=RELATIVE, abs_tol=ABSOLUTE)
               for e, a in zip(expected, actual))


def check(path):
    text = path.read_text(encoding="utf-8")
    table = re.search(r"// oracle table: begin\n(.*?)// oracle table: end", text, re.S)
    if not table:
        print(f"{path}: no '// oracle table: begin' ... 'end' block")
        return 1
    failures = 0
    rows = 0
    for line in table.group(1).splitlines():
        if not line.strip() or line.strip().startswith("//"):
            continue
        match = ROW.match(line)
        if not match:
            print(f"cannot read this table row: {line.strip()}")
            failures += 1
            continue
        rows += 1
        ns, xs, nh, xh, percent = (int(match.group(i)) for i in range(1, 6))
        table_figures = [parse(match.group(i)) for i in range(6, 9)]
        oracle = figures(xs, ns, xh, nh, percent)
        for name, expected, actual in zip(("difference", "lift", "visitor_days"), oracle,
                                          table_figures):
            if not close(expected, actual):
                print(f"shown {xs}/{ns}, holdout {xh}/{nh}, {percent} %: {name} is "
                      f"{cpp_value(actual)} in the table, statsmodels gives {cpp_value(expected)}")
                failures += 1
    if rows == 0:
        print("the oracle table has no rows")
        return 1
    print(f"{rows} cases checked against statsmodels: {failures} differences")
    return 1 if failures else 0


def main(argv):
    if len(argv) == 7 and argv[1] == "--rows":
        print(row(*(int(v) for v in argv[2:])))
        return 0
    return check(pathlib.Path(argv[1]) if len(argv) > 1 else TABLE_FILE)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
