// GET /events: the stream handshake (resume point, replay, per-address and total caps).
// The stream itself is written by the event loop's fan-out (net/fanout.h).
#include <fmt/format.h>

#include <memory>

#include "core/sse.h"
#include "http/client_address.h"
#include "http/endpoints.h"
#include "http/router.h"
#include "http/stream_slots.h"

namespace proof {

void handle_events(HttpContext& ctx, const httplib::Request& req, httplib::Response& res) {
  if (req.get_header_value_count("Last-Event-ID") > 1) {
    ctx.refuse(req, res, {400, RejectReason::kBadRequest, "Last-Event-ID given more than once"});
    return;
  }
  std::string resume_raw = req.get_header_value("Last-Event-ID");
  for (const char* name : {"lastEventId", "last_event_id"}) {
    if (resume_raw.empty() && req.has_param(name)) resume_raw = req.get_param_value(name);
  }
  std::optional<std::uint64_t> resume;
  if (!resume_raw.empty()) {
    resume = sse::parse_event_id(resume_raw);
    if (!resume) {
      ctx.refuse(req, res,
                 {400, RejectReason::kBadRequest, "Last-Event-ID must be a decimal event id"});
      return;
    }
  }
  std::size_t replay = 0;
  if (req.has_param("replay")) {
    const auto count = sse::parse_count(req.get_param_value("replay"), ctx.options.history);
    if (!count) {
      ctx.refuse(req, res, {400, RejectReason::kBadRequest, "replay must be a whole number"});
      return;
    }
    replay = *count;
  }
  std::string channel;
  if (!ctx.channel_param(req, res, channel)) return;
  auto slots = std::make_shared<StreamSlots>(
      ctx.hub, ctx.address_slots,
      client_address(req.remote_addr, req.get_header_value("X-Forwarded-For"),
                     ctx.options.trusted_proxies),
      ctx.tallies);
  if (auto refusal = slots->refusal()) {
    // Spread the retries of a crowd over time rather than have it come back at once.
    refusal->retry_after = jitter(5, 15);
    ctx.refuse(req, res, *refusal);
    return;
  }

  std::vector<EventPtr> pending;
  std::uint64_t cursor = 0;
  if (resume) {
    pending = ctx.hub.resume(*resume, channel);
    // An id above any this server has issued (a forged one, or a server whose clock went
    // back across a restart without --data-dir) must not mute the stream until then.
    cursor = pending.empty() ? std::min(*resume, ctx.hub.last_id()) : pending.back()->id;
  } else {
    auto start = ctx.hub.start(replay, channel);
    pending = std::move(start.replay);
    cursor = start.cursor;
  }
  auto stream = std::make_unique<net::StreamOpening>();
  // The browser's reconnect delay, jittered so a restart is not met by every page at once.
  stream->opening = sse::format_retry(std::chrono::milliseconds(jitter(2000, 5000)));
  if (resume && *resume != 0) {
    // Resuming from before the oldest event a full history holds: some events in between
    // are gone. Say so (as Mercure and Centrifugo do) rather than pretend none were missed.
    const auto held = ctx.hub.start(ctx.options.history).replay;
    if (!held.empty() && *resume < held.front()->id && held.size() >= ctx.options.history) {
      stream->opening +=
          fmt::format("event: gap\ndata: {{\"last_event_id\":{},\"oldest_id\":{}}}\n\n", *resume,
                      held.front()->id);
    }
  }
  for (const auto& event : pending) stream->opening += event->frame;
  stream->opening_events = pending.size();
  stream->cursor = cursor;
  stream->channel = std::move(channel);
  stream->presence = req.has_param("presence") && req.get_param_value("presence") == "1";
  res.set_header("Content-Type", sse::kContentType);
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  for (const auto& [name, value] : res.headers) stream->headers.emplace_back(name, value);
  stream->slots = std::move(slots);
  hand_over_stream(std::move(stream));
}

}  // namespace proof
