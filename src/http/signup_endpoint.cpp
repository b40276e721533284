// POST /signup: the original's form body or JSON, the key, the publish rate, validation,
// then the hub.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "core/display_name.h"
#include "core/history_store.h"
#include "core/shared_log.h"
#include "core/signup.h"
#include "core/text.h"
#include "http/auth.h"
#include "http/endpoints.h"

namespace proof {

void handle_signup(HttpContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const std::string type = text::ascii_lower(req.get_header_value("Content-Type"));
  const auto is = [&](std::string_view prefix) { return type.starts_with(prefix); };
  Outcome<Fields> parsed;
  if (is("application/json")) {
    parsed = parse_json(req.body);
  } else if (type.empty() || is("application/x-www-form-urlencoded")) {
    parsed = parse_form(req.body);
  } else if (is("multipart/form-data")) {
    Fields fields;
    for (const auto& [name, part] : req.files) fields.emplace(name, part.content);
    parsed = std::move(fields);
  } else {
    ctx.refuse(req, res,
               {415, RejectReason::kUnsupportedMediaType,
                "send application/x-www-form-urlencoded, multipart/form-data or application/json"});
    return;
  }
  if (const auto* rejection = std::get_if<Rejection>(&parsed)) {
    ctx.refuse(req, res, {400, reason_from_label(rejection->reason), rejection->message});
    return;
  }
  const Fields& fields = std::get<Fields>(parsed);
  std::string key =
      key_from_headers(req.get_header_value("Authorization"), req.get_header_value("X-API-Key"));
  if (key.empty()) {
    if (const auto it = fields.find("api_key"); it != fields.end()) key = it->second;
  }
  if (!keys_equal(ctx.settings.api_key, key)) {
    ctx.refuse(
        req, res,
        {401, RejectReason::kUnauthorized, key.empty() ? "missing API key" : "wrong API key"});
    return;
  }
  // After the key check, so that strangers cannot use up the publisher's allowance.
  if (const auto wait = ctx.publish_rate.acquire(std::chrono::steady_clock::now())) {
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(*wait).count();
    res.set_header("Retry-After", std::to_string(std::max<long long>(1, seconds)));
    ctx.refuse(req, res,
               {429, RejectReason::kRateLimited,
                fmt::format("more than {:g} signups per second; retry later",
                            ctx.settings.max_publish_rate)});
    return;
  }
  auto validated = validate(fields);
  if (const auto* rejection = std::get_if<Rejection>(&validated)) {
    ctx.refuse(req, res, {400, reason_from_label(rejection->reason), rejection->message});
    return;
  }
  EventPtr event;
  try {
    Signup& signup = std::get<Signup>(validated);
    // Before the hub sees it: the full name is neither stored nor broadcast.
    signup.user_name =
        reduce_name(signup.user_name,
                    parse_display_name(ctx.settings.display_name).value_or(DisplayName::kInitial));
    event = ctx.hub.publish(std::move(signup));
  } catch (const StoreError& e) {
    spdlog::error("could not store a signup: {}", e.what());
    res.set_header("Retry-After", "5");
    set_json_error(res, 503, "could not store the event; nothing was broadcast");
    return;
  } catch (const SharedLogError& e) {
    spdlog::error("could not share a signup: {}", e.what());
    res.set_header("Retry-After", "2");
    set_json_error(res, 503, "the shared history (Redis) is unreachable; nothing was broadcast");
    return;
  }
  ctx.metrics.published();
  ctx.tallies.count_published(event->signup.channel, std::chrono::system_clock::now());
  spdlog::info("published event {} from {}", event->id, req.remote_addr);
  spdlog::debug("event {}: {}", event->id, event->json);
  res.status = 202;
  res.set_content(nlohmann::json{{"id", event->id}}.dump() + "\n", kJsonType);
}

}  // namespace proof
