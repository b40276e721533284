// GET /events: the stream handshake (resume point, replay, per-address and total caps).
// The stream itself is written by the event loop's fan-out (net/fanout.h).
#include <fmt/format.h>

#include <memory>
#include <optional>
#include <string>

#include "core/sse.h"
#include "http/endpoints.h"
#include "http/stream_slots.h"

namespace proof::http {

namespace {

/// What a stream asks for: where it resumes, how much it replays, its channel.
struct StreamRequest {
  std::optional<std::uint64_t> resume;  ///< Last-Event-ID (or ?lastEventId=), when given
  std::size_t replay = 0;               ///< ?replay=N, for a new stream
  std::string channel;                  ///< ?channel=, "" for every event
  bool presence = false;                ///< ?presence=1
};

/// The stream's request as given, or nullopt after answering 400 for what is malformed.
std::optional<StreamRequest> read_request(HttpContext& ctx, const Request& req, Response& res) {
  const auto bad = [&](const char* message) {
    ctx.refuse(req, res, {400, core::RejectReason::kBadRequest, message});
    return std::nullopt;
  };
  if (req.header_count("Last-Event-ID") > 1) {
    return bad("Last-Event-ID given more than once");
  }
  StreamRequest out;
  std::string resume(req.header("Last-Event-ID"));
  for (const char* name : {"lastEventId", "last_event_id"}) {
    if (resume.empty() && req.has_param(name)) resume = req.param(name);
  }
  if (!resume.empty()) {
    out.resume = core::sse::parse_event_id(resume);
    if (!out.resume) return bad("Last-Event-ID must be a decimal event id");
  }
  if (req.has_param("replay")) {
    const auto count = core::sse::parse_count(req.param("replay"), ctx.options.history);
    if (!count) return bad("replay must be a whole number");
    out.replay = *count;
  }
  if (!ctx.channel_param(req, res, out.channel)) return std::nullopt;
  out.presence = req.has_param("presence") && req.param("presence") == "1";
  return out;
}

/// The events to send first, and the id after which the stream continues live.
core::Hub::Start starting_point(const HttpContext& ctx, const StreamRequest& r) {
  if (!r.resume) return ctx.hub.start(r.replay, r.channel);
  core::Hub::Start start{ctx.hub.resume(*r.resume, r.channel), 0};
  // An id above any this server has issued (a forged one, or a server whose clock went
  // back across a restart without --data-dir) must not mute the stream until then.
  start.cursor =
      start.replay.empty() ? std::min(*r.resume, ctx.hub.last_id()) : start.replay.back()->id;
  return start;
}

/// `event: gap` when a stream resumes from before the oldest event a full history holds:
/// some events in between are gone. Said (as Mercure and Centrifugo do) rather than
/// pretending none were missed. "" when nothing was.
std::string gap_notice(const HttpContext& ctx, std::uint64_t resume) {
  if (resume == 0) return {};
  const auto held = ctx.hub.start(ctx.options.history).replay;
  if (held.empty() || resume >= held.front()->id || held.size() < ctx.options.history) return {};
  return fmt::format("event: gap\ndata: {{\"last_event_id\":{},\"oldest_id\":{}}}\n\n", resume,
                     held.front()->id);
}

/// `event: arm` with the page's arm, without an id (it is not an event to resume after).
std::string arm_notice(core::Arm arm) {
  return fmt::format("event: arm\ndata: {{\"arm\":\"{}\"}}\n\n", core::arm_name(arm));
}

}  // namespace

void handle_events(HttpContext& ctx, const Request& req, Response& res) {
  auto request = read_request(ctx, req, res);
  if (!request) return;
  auto slots = std::make_shared<StreamSlots>(ctx.hub, ctx.address_slots, req.client(), ctx.tallies);
  if (auto refusal = slots->refusal()) {
    // Spread the retries of a crowd over time rather than have it come back at once.
    refusal->retry_after = jitter(5, 15);
    return ctx.refuse(req, res, *refusal);
  }
  const core::Hub::Start start = starting_point(ctx, *request);
  auto stream = std::make_unique<net::StreamOpening>();
  // The browser's reconnect delay, jittered so a restart is not met by every page at once.
  stream->opening = core::sse::format_retry(std::chrono::milliseconds(jitter(2000, 5000)));
  // With an experiment on, the page's arm comes before any other event (replay, resume,
  // presence): a held-out page must know it before it could show anything.
  if (const auto arm = ctx.experiment.arm_of(req.client(), req.header("User-Agent"))) {
    stream->opening += arm_notice(*arm);
  }
  if (request->resume) stream->opening += gap_notice(ctx, *request->resume);
  for (const auto& event : start.replay) stream->opening += event->frame;
  stream->opening_events = start.replay.size();
  stream->cursor = start.cursor;
  stream->channel = std::move(request->channel);
  stream->presence = request->presence;
  res.set_header("Content-Type", std::string(core::sse::kContentType));
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  stream->slots = std::move(slots);
  res.stream = std::move(stream);
}

}  // namespace proof::http
