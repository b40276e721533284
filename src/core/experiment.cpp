#include "core/experiment.h"

#include <fmt/format.h>
#include <sys/random.h>

#include <cerrno>
#include <string>

#include "core/digest.h"
#include "core/error_text.h"

namespace proof::core {

namespace {

/// The first 8 bytes of HMAC-SHA256(key, address + "\n" + user_agent), big-endian.
std::uint64_t leading_number(std::string_view key, std::string_view address,
                             std::string_view user_agent) {
  std::string message;
  message.reserve(address.size() + 1 + user_agent.size());
  message.append(address).append("\n").append(user_agent);
  const std::string digest = hmac_sha256(key, message);
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < 8; ++i) n = (n << 8) | static_cast<unsigned char>(digest[i]);
  return n;
}

nlohmann::json estimate_json(const std::optional<Estimate>& e) {
  if (!e) return nullptr;
  return {{"estimate", e->estimate}, {"low", e->low}, {"high", e->high}};
}

nlohmann::json arm_json(ArmCounts arm) {
  return {{"visitors", arm.visitors}, {"conversions", arm.conversions}};
}

nlohmann::json summary_json(const ExperimentSummary& s) {
  const ExperimentFigures figures = s.figures();
  nlohmann::json out = {
      {"holdout_percent", s.holdout_percent},
      {"started", iso_utc(s.started)},
      {"arms", {{"shown", arm_json(s.shown)}, {"holdout", arm_json(s.holdout)}}},
      {"difference", estimate_json(figures.difference)},
      {"lift", estimate_json(figures.lift)},
      {"visitors_needed",
       figures.visitors_needed ? nlohmann::json(*figures.visitors_needed) : nlohmann::json()}};
  if (s.ended) out["ended"] = iso_utc(*s.ended);
  return out;
}

}  // namespace

const char* arm_name(Arm arm) {
  return arm == Arm::kHoldout ? "holdout" : "shown";
}

std::string random_bytes(std::size_t bytes) {
  std::string out(bytes, '\0');
  std::size_t filled = 0;
  while (filled < bytes) {
    const ssize_t n = ::getrandom(out.data() + filled, bytes - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("getrandom failed: " + error_text(errno));
    }
    filled += static_cast<std::size_t>(n);
  }
  return out;
}

Arm assign_arm(std::string_view secret, std::string_view address, std::string_view user_agent,
               int holdout_percent) {
  const std::uint64_t bucket = leading_number(secret, address, user_agent) % 10000;
  return bucket < static_cast<std::uint64_t>(holdout_percent) * 100 ? Arm::kHoldout : Arm::kShown;
}

std::uint64_t visitor_key(std::string_view day_salt, std::string_view address,
                          std::string_view user_agent) {
  return leading_number(day_salt, address, user_agent);
}

std::string iso_utc(std::chrono::system_clock::time_point t) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{seconds - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

nlohmann::json experiment_json(const ExperimentReport& report) {
  if (report.current) {
    nlohmann::json out = summary_json(*report.current);
    if (report.previous) out["previous"] = summary_json(*report.previous);
    return out;
  }
  if (report.previous) return summary_json(*report.previous);
  return nullptr;
}

}  // namespace proof::core
