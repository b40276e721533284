// The figures of the holdout experiment (issue 33): how much more often visitors who saw
// cards converted than those held out, with its 95 % interval, as a difference of rates and
// as a relative lift, and how many visitor-days the experiment needs in all. Each figure is
// what statsmodels computes (the oracle the unit tests and
// tests/unit/experiment_stats_oracle.py hold it to), and is absent wherever statsmodels
// divides by zero, takes the root of nothing or fails to converge. Pure: counts in, numbers
// out; the normal quantiles come from Boost.Math.
#pragma once

#include <cstdint>
#include <optional>

namespace proof::core {

/// One arm's visitor-days and those of them that converted (never more than visitors).
struct ArmCounts {
  std::uint64_t visitors = 0;
  std::uint64_t conversions = 0;

  bool operator==(const ArmCounts&) const = default;
};

/// A point estimate and its confidence interval.
struct Estimate {
  double estimate = 0;
  double low = 0;
  double high = 0;
};

/// The level of every interval (two-sided), the power visitors_needed() plans for and the
/// relative lift it plans to detect.
inline constexpr double kConfidence = 0.95;
inline constexpr double kPower = 0.8;
inline constexpr double kLiftToDetect = 0.10;

/// shown rate − holdout rate, with Newcombe's hybrid score interval (method 10 of Newcombe
/// 1998: Wilson score limits of each rate, no continuity correction); statsmodels'
/// confint_proportions_2indep(xs, ns, xh, nh, method="newcomb", compare="diff").
/// Absent while an arm has no visitors (or more conversions than visitors).
std::optional<Estimate> rate_difference(ArmCounts shown, ArmCounts holdout,
                                        double confidence = kConfidence);

/// shown rate ÷ holdout rate − 1, with the log (Katz) interval of the ratio, less one;
/// statsmodels' confint_proportions_2indep(..., method="log", compare="ratio") − 1.
/// Absent while either arm has no conversion (the ratio or its variance is then infinite
/// or zero over zero; statsmodels raises ZeroDivisionError), or no visitors.
std::optional<Estimate> lift(ArmCounts shown, ArmCounts holdout, double confidence = kConfidence);

/// The visitor-days, both arms together, that a split of `holdout_percent` (1 to 99) needs
/// for `power` at a two-sided level of 1 − `confidence` to detect a relative lift of
/// `relative_lift` on the rate `holdout_rate`: Cohen's h = 2·asin√(rate·(1 + lift)) −
/// 2·asin√rate and the normal power of both tails, as statsmodels'
/// NormalIndPower().solve_power(effect_size=h, nobs1=None, alpha, power,
/// ratio=holdout/shown) × (1 + ratio), not rounded. Absent where statsmodels has no answer:
/// a rate of 0 (h = 0: "Cannot detect an effect-size of 0") or one whose lifted rate passes 1
/// (h is NaN and the solver does not converge), or a percent outside 1 to 99.
std::optional<double> visitor_days_needed(double holdout_rate, int holdout_percent,
                                          double relative_lift = kLiftToDetect,
                                          double power = kPower, double confidence = kConfidence);

/// Everything GET /stats shows for one experiment's counts.
struct ExperimentFigures {
  std::optional<Estimate> difference;  ///< rate_difference()
  std::optional<Estimate> lift;        ///< lift()
  /// visitor_days_needed() at the holdout arm's observed rate, rounded up (a plan needs
  /// whole visitor-days); absent while the holdout arm has no visitors, or as there.
  std::optional<std::uint64_t> visitors_needed;
};

ExperimentFigures experiment_figures(ArmCounts shown, ArmCounts holdout, int holdout_percent);

}  // namespace proof::core
