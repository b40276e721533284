#!/usr/bin/env python3
"""How long the holdout experiment must run: the table in docs/experiment.md.

Each figure is what GET /stats reports as visitors_needed: the visitor-days, both arms
together, for 80 % power at a two-sided 5 % level to detect a relative lift of the
conversion rate without cards (Cohen's h, normal power), computed with statsmodels exactly
as docs/experiment.md says. The durations divide that by a shop's visitors a day.

    python3 docs/experiment_table.py          print the table
    python3 docs/experiment_table.py --check  compare it with docs/experiment.md (ctest
                                              "docs: experiment table"; 77 without statsmodels)
    python3 docs/experiment_table.py --write  put it into docs/experiment.md
"""
import math
import os
import sys

SKIP = 77  # ctest SKIP_RETURN_CODE: statsmodels is not installed
DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "experiment.md")
BEGIN = "<!-- experiment-table: made by docs/experiment_table.py --write; edit that, not this -->"
END = "<!-- end experiment-table -->"

RATES = (0.01, 0.02, 0.03, 0.05, 0.10)  # conversion rate without cards, per visitor-day
LIFTS = (0.10, 0.20, 0.50)  # relative lift to detect
HOLDOUT = 10  # percent held out: the table's split
OTHER_HOLDOUT = 20  # the last column's split
VISITORS_A_DAY = (500, 1000, 5000)


def import_statsmodels():
    """statsmodels' two functions, or None. Debian's python3-statsmodels installs for
    /usr/bin/python3 only; a python3 found first on PATH (pyenv, a venv) may not see it,
    so this falls back to Debian's interpreter once before giving up."""
    try:
        from statsmodels.stats.power import NormalIndPower
        from statsmodels.stats.proportion import proportion_effectsize
        return NormalIndPower, proportion_effectsize
    except ImportError:
        debian = "/usr/bin/python3"
        if (os.path.exists(debian) and os.path.realpath(sys.executable) != os.path.realpath(debian)
                and not os.environ.get("PROOF_TABLE_REEXEC")):
            os.environ["PROOF_TABLE_REEXEC"] = "1"
            os.execv(debian, [debian, *sys.argv])
        return None


def visitors_needed(rate, lift, holdout, power_cls, effectsize):
    """Total visitor-days at this split: the formula of docs/experiment.md."""
    ratio = holdout / (100 - holdout)  # holdout visitors per shown visitor
    h = effectsize(rate * (1 + lift), rate)
    shown = power_cls().solve_power(effect_size=h, nobs1=None, alpha=0.05, power=0.8, ratio=ratio)
    return shown * (1 + ratio)


def up_to_3_figures(n):
    """Rounded up to three significant figures: a table that errs, errs long."""
    scale = 10 ** max(0, int(math.floor(math.log10(n))) - 2)
    return int(math.ceil(n / scale) * scale)


def duration(days):
    days = math.ceil(days)
    if days <= 60:
        return f"{days} day" if days == 1 else f"{days} days"
    if days <= 730:
        return f"{math.ceil(days / 30.44)} months"
    return f"{math.ceil(days / 365.25 * 10) / 10:.1f} years"


def percent(x):
    return f"{x * 100:g} %"


def table(power_cls, effectsize):
    head = ["without cards", "lift to detect", f"visitor-days ({HOLDOUT} % held out)",
            *(f"at {v:,} a day" for v in VISITORS_A_DAY), f"visitor-days ({OTHER_HOLDOUT} % held out)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for rate in RATES:
        for lift in LIFTS:
            needed = visitors_needed(rate, lift, HOLDOUT, power_cls, effectsize)
            other = visitors_needed(rate, lift, OTHER_HOLDOUT, power_cls, effectsize)
            cells = [percent(rate), "+" + percent(lift), f"{up_to_3_figures(needed):,}",
                     *(duration(needed / v) for v in VISITORS_A_DAY), f"{up_to_3_figures(other):,}"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def split_doc(text):
    """(before, table, after) of docs/experiment.md, or None without both markers."""
    start = text.find(BEGIN)
    end = text.find(END)
    if start < 0 or end < start:
        return None
    body = start + len(BEGIN) + 1
    return text[:body], text[body:end], text[end:]


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode not in ("", "--check", "--write"):
        print(__doc__, file=sys.stderr)
        return 2
    found = import_statsmodels()
    if found is None:
        # In CI the install must have provided it: a skip there would hide a broken
        # install-deps.sh (tests/support/tools.py's rule).
        if mode == "--check" and os.environ.get("CI", "").lower() == "true":
            print("FAIL: statsmodels is not installed (scripts/install-deps.sh --test)")
            return 1
        print("skipped: statsmodels is not installed (Debian: apt-get install python3-statsmodels)")
        return SKIP
    made = table(*found)
    if not mode:
        sys.stdout.write(made)
        return 0
    with open(DOC, encoding="utf-8") as f:
        parts = split_doc(f.read())
    if parts is None:
        print(f"{DOC}: no table between {BEGIN!r} and {END!r}", file=sys.stderr)
        return 1
    before, current, after = parts
    if mode == "--write":
        with open(DOC, "w", encoding="utf-8") as f:
            f.write(before + made + after)
        return 0
    if current != made:
        print(f"{DOC}: the table differs from what docs/experiment_table.py computes; "
              "run it with --write and read the difference\n--- in the doc\n" + current
              + "--- computed\n" + made, file=sys.stderr)
        return 1
    print("docs/experiment.md's table matches statsmodels' figures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
