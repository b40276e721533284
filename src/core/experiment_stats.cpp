#include "core/experiment_stats.h"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <cstdint>
#include <utility>

namespace proof::core {

namespace {

/// The two-sided critical value of `confidence`: Φ⁻¹(1 − (1 − confidence)/2).
double critical_value(double confidence) {
  const boost::math::normal_distribution<double> normal;
  return boost::math::quantile(normal, 1 - (1 - confidence) / 2);
}

/// Whether every figure of these counts is defined at all: both arms seen, and counts that
/// can be (a damaged store could say otherwise).
bool usable(ArmCounts shown, ArmCounts holdout) {
  return shown.visitors > 0 && holdout.visitors > 0 && shown.conversions <= shown.visitors &&
         holdout.conversions <= holdout.visitors;
}

double rate(ArmCounts arm) {
  return static_cast<double>(arm.conversions) / static_cast<double>(arm.visitors);
}

/// The Wilson score interval of one rate (statsmodels' proportion_confint(method="wilson")).
std::pair<double, double> wilson(ArmCounts arm, double z) {
  const double n = static_cast<double>(arm.visitors);
  const double p = rate(arm);
  const double z2 = z * z;
  const double denominator = 1 + z2 / n;
  const double centre = (p + z2 / (2 * n)) / denominator;
  const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
  return {centre - half, centre + half};
}

}  // namespace

std::optional<Estimate> rate_difference(ArmCounts shown, ArmCounts holdout, double confidence) {
  if (!usable(shown, holdout)) return std::nullopt;
  const double z = critical_value(confidence);
  const double ps = rate(shown);
  const double ph = rate(holdout);
  const auto [low_s, high_s] = wilson(shown, z);
  const auto [low_h, high_h] = wilson(holdout, z);
  const double d = ps - ph;
  return Estimate{d, d - std::sqrt((ps - low_s) * (ps - low_s) + (high_h - ph) * (high_h - ph)),
                  d + std::sqrt((ph - low_h) * (ph - low_h) + (high_s - ps) * (high_s - ps))};
}

std::optional<Estimate> lift(ArmCounts shown, ArmCounts holdout, double confidence) {
  if (!usable(shown, holdout) || shown.conversions == 0 || holdout.conversions == 0) {
    return std::nullopt;
  }
  const double z = critical_value(confidence);
  const double ratio = rate(shown) / rate(holdout);
  const auto inverse = [](std::uint64_t n) { return 1 / static_cast<double>(n); };
  const double variance = inverse(shown.conversions) - inverse(shown.visitors) +
                          inverse(holdout.conversions) - inverse(holdout.visitors);
  // Written as statsmodels writes it (exp of the log's limits), so the two agree to the bit
  // as far as the libraries' exp and log do.
  const double spread = z * std::sqrt(variance);
  return Estimate{ratio - 1, std::exp(std::log(ratio) - spread) - 1,
                  std::exp(std::log(ratio) + spread) - 1};
}

std::optional<double> visitor_days_needed(double holdout_rate, int holdout_percent,
                                          double relative_lift, double power, double confidence) {
  if (holdout_percent < 1 || holdout_percent > 99) return std::nullopt;
  const double lifted = holdout_rate * (1 + relative_lift);
  if (!(holdout_rate > 0) || !(lifted <= 1)) return std::nullopt;
  const double h =
      std::abs(2 * std::asin(std::sqrt(lifted)) - 2 * std::asin(std::sqrt(holdout_rate)));
  if (!(h > 0)) return std::nullopt;

  // statsmodels' normal power of a two-sided z-test counts both tails:
  // power = Q(c − s) + Φ(−c − s), s = h·√n_eff, n_eff = n_shown·k / (1 + k), k = holdout ÷
  // shown. The lower tail adds about 1e-6 at 80 %, enough to move the answer by one
  // visitor-day against the closed form ((c + Φ⁻¹(power)) / h)², so s is solved for.
  const boost::math::normal_distribution<double> normal;
  const double c = critical_value(confidence);
  const auto excess_power = [&](double s) {
    return boost::math::cdf(boost::math::complement(normal, c - s)) +
           boost::math::cdf(normal, -c - s) - power;
  };
  std::uintmax_t iterations = 200;
  const auto [below, above] = boost::math::tools::toms748_solve(
      excess_power, 0.0, c + boost::math::quantile(normal, power) + 2,
      boost::math::tools::eps_tolerance<double>(50), iterations);
  const double s = (below + above) / 2;
  const double k = static_cast<double>(holdout_percent) / (100 - holdout_percent);
  const double effective = (s / h) * (s / h);
  const double shown_needed = effective * (1 + k) / k;
  return shown_needed * (1 + k);
}

ExperimentFigures experiment_figures(ArmCounts shown, ArmCounts holdout, int holdout_percent) {
  ExperimentFigures figures;
  figures.difference = rate_difference(shown, holdout);
  figures.lift = lift(shown, holdout);
  if (holdout.visitors > 0 && holdout.conversions <= holdout.visitors) {
    if (const auto needed = visitor_days_needed(rate(holdout), holdout_percent)) {
      figures.visitors_needed = static_cast<std::uint64_t>(std::ceil(*needed));
    }
  }
  return figures;
}

}  // namespace proof::core
