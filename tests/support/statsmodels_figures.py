"""The holdout experiment's figures as statsmodels computes them: the oracle of
tests/unit/experiment_stats_oracle.py (the C++ table) and of the integration tests (what
GET /stats answers). Needs Debian's python3-statsmodels, which Debian's own /usr/bin/python3
imports (a python3 earlier in PATH may not see it); without it, importing this exits 77, or
fails in CI (tools.py).

    /usr/bin/python3 statsmodels_figures.py XS NS XH NH PERCENT

prints {"difference": [e, low, high] | null, "lift": [...] | null, "visitors_needed": n | null}
(visitors_needed unrounded).
"""

import json
import math
import sys
import warnings

try:
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import confint_proportions_2indep, proportion_effectsize
except ImportError:
    from tools import exit_missing  # 77, or in CI a failure: install-deps.sh --test installs it

    exit_missing("python3-statsmodels")


def quietly(compute):
    """compute()'s result, or None where statsmodels has no answer: it raises, warns (a
    division by zero, a solver that did not converge) or gives a value that is not finite."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            value = compute()
        except (ArithmeticError, ValueError, Warning):
            return None
    values = value if isinstance(value, tuple) else (value,)
    if not all(math.isfinite(float(v)) for v in values):
        return None
    return value


def figures(xs, ns, xh, nh, percent):
    """(difference, lift, visitor_days) as statsmodels gives them: each None or a value."""
    def difference():
        low, high = confint_proportions_2indep(xs, ns, xh, nh, method="newcomb", compare="diff")
        return (xs / ns - xh / nh, float(low), float(high))

    def lift():
        low, high = confint_proportions_2indep(xs, ns, xh, nh, method="log", compare="ratio")
        return ((xs / ns) / (xh / nh) - 1, float(low) - 1, float(high) - 1)

    def visitor_days():
        ratio = percent / (100 - percent)
        rate = xh / nh
        h = proportion_effectsize(rate * 1.1, rate)
        shown = NormalIndPower().solve_power(effect_size=h, nobs1=None, alpha=0.05, power=0.8,
                                             ratio=ratio)
        return float(shown * (1 + ratio))

    return quietly(difference), quietly(lift), quietly(visitor_days)


if __name__ == "__main__":
    xs, ns, xh, nh, percent = (int(a) for a in sys.argv[1:6])
    difference, lift, needed = figures(xs, ns, xh, nh, percent)
    print(json.dumps({"difference": list(difference) if difference else None,
                      "lift": list(lift) if lift else None, "visitors_needed": needed}))
