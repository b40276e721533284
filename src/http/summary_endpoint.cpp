// GET /summary?hours=H[&channel=NAME]: signups accepted in the last H hours, for "142
// people signed up this week". No key (pages ask for it), CORS as for /events, and a
// short cache, so a crowd of page loads costs one count per few seconds.
#include <fmt/format.h>

#include <chrono>
#include <map>
#include <mutex>

#include "core/signup.h"
#include "http/endpoints.h"

namespace proof {

namespace {

constexpr int kDefaultHours = 24;
constexpr std::chrono::seconds kCacheFor{5};

struct Cached {
  std::string body;
  std::chrono::steady_clock::time_point until;
};

/// 1..max as digits only; 0 otherwise.
int parse_hours(const std::string& text) {
  if (text.empty() || text.size() > 3 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return 0;
  }
  const int value = std::stoi(text);
  return value >= 1 && value <= HourlyTotals::kKeepHours ? value : 0;
}

}  // namespace

void handle_summary(HttpContext& ctx, const httplib::Request& req, httplib::Response& res) {
  int hours = kDefaultHours;
  if (req.has_param("hours")) {
    hours = parse_hours(req.get_param_value("hours"));
    if (hours == 0) {
      ctx.refuse(req, res,
                 {400, RejectReason::kBadRequest, "hours must be a whole number from 1 to 720"});
      return;
    }
  }
  std::string channel;
  if (req.has_param("channel")) {
    channel = req.get_param_value("channel");
    if (!is_valid_channel(channel)) {
      ctx.refuse(
          req, res,
          {400, RejectReason::kBadRequest, "channel must be 1-64 characters of a-z, 0-9, _ and -"});
      return;
    }
  }
  static std::mutex mutex;
  static std::map<std::pair<int, std::string>, Cached> cache;
  const auto now = std::chrono::steady_clock::now();
  std::string body;
  {
    std::lock_guard lock(mutex);
    auto& entry = cache[{hours, channel}];
    if (now >= entry.until) {
      entry.body =
          fmt::format("{{\"count\":{},\"hours\":{}}}\n", ctx.hourly.count(hours, channel), hours);
      entry.until = now + kCacheFor;
    }
    body = entry.body;
    // Channels are chosen by pages: forget expired answers so the map stays small.
    if (cache.size() > 1024)
      std::erase_if(cache, [now](const auto& kv) { return now >= kv.second.until; });
  }
  res.set_header("Cache-Control", "public, max-age=5");
  res.set_content(body, kJsonType);
}

}  // namespace proof
