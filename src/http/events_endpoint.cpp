// GET /events: the stream handshake (resume point, replay, per-address and total caps) and,
// until the event loop owns streams, the per-stream writer.
#include <spdlog/spdlog.h>

#include <memory>

#include "core/sse.h"
#include "http/client_address.h"
#include "http/endpoints.h"
#include "http/stream_slots.h"

namespace proof {

namespace {

/// One open event stream: where it is in the history and when it last spoke.
class Stream {
 public:
  Stream(Hub& hub, Metrics& metrics, std::uint64_t cursor, std::string opening,
         std::size_t opening_events, std::chrono::seconds heartbeat)
      : hub_(hub),
        metrics_(metrics),
        cursor_(cursor),
        opening_(std::move(opening)),
        opening_events_(opening_events),
        heartbeat_(heartbeat),
        next_heartbeat_(std::chrono::steady_clock::now() + heartbeat) {}

  /// cpp-httplib's content provider: writes what is due, blocking until something is.
  /// Returning false ends the stream.
  bool pump(httplib::DataSink& sink) {
    if (!opening_.empty()) {
      const std::string opening = std::move(opening_);
      opening_.clear();
      return send(sink, opening, opening_events_);
    }
    for (;;) {
      if (hub_.stopping()) {
        // End the chunked body properly: the browser sees a clean end of stream (and
        // reconnects) rather than a truncated response.
        sink.done();
        return true;
      }
      const std::uint32_t generation = hub_.generation();
      bool missed = false;
      const auto events = hub_.next(cursor_, missed);
      if (missed) {
        // Skipping events silently would break "every event reaches every page"; ending
        // the stream makes the browser reconnect and resume from the history instead.
        metrics_.dropped();
        spdlog::warn("dropped a stream that fell more than the live buffer behind");
        return false;
      }
      if (!events.empty()) {
        cursor_ = events.back()->id;
        next_heartbeat_ = std::chrono::steady_clock::now() + heartbeat_;
        if (events.size() == 1) return send(sink, events.front()->frame, 1);
        std::string batch;
        for (const auto& event : events) batch += event->frame;
        return send(sink, batch, events.size());
      }
      const auto now = std::chrono::steady_clock::now();
      if (now >= next_heartbeat_) {
        next_heartbeat_ = now + heartbeat_;
        return send(sink, sse::heartbeat(), 0);
      }
      hub_.wait(generation, std::chrono::ceil<std::chrono::milliseconds>(next_heartbeat_ - now));
    }
  }

 private:
  bool send(httplib::DataSink& sink, std::string_view data, std::size_t events) {
    // write() returning false is the only disconnect signal that every cpp-httplib
    // release gives: the client went away, or stopped reading past the write timeout.
    if (!sink.write(data.data(), data.size())) {
      metrics_.dropped();
      return false;
    }
    if (events > 0) metrics_.delivered(events);
    return true;
  }

  Hub& hub_;
  Metrics& metrics_;
  std::uint64_t cursor_;
  std::string opening_;
  std::size_t opening_events_;
  std::chrono::seconds heartbeat_;
  std::chrono::steady_clock::time_point next_heartbeat_;
};

}  // namespace

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
    const auto count = sse::parse_count(req.get_param_value("replay"), ctx.settings.history);
    if (!count) {
      ctx.refuse(req, res, {400, RejectReason::kBadRequest, "replay must be a whole number"});
      return;
    }
    replay = *count;
  }
  auto slots = std::make_shared<StreamSlots>(
      ctx.hub, ctx.address_slots,
      client_address(req.remote_addr, req.get_header_value("X-Forwarded-For"),
                     ctx.settings.trusted_proxies));
  if (const auto refusal = slots->refusal()) {
    // Spread the retries of a crowd over time rather than have it come back at once.
    res.set_header("Retry-After", std::to_string(jitter(5, 15)));
    ctx.refuse(req, res, *refusal);
    return;
  }

  std::vector<EventPtr> pending;
  std::uint64_t cursor = 0;
  if (resume) {
    pending = ctx.hub.resume(*resume);
    // An id above any this server has issued (a forged one, or a server whose clock went
    // back across a restart without --data-dir) must not mute the stream until then.
    cursor = pending.empty() ? std::min(*resume, ctx.hub.last_id()) : pending.back()->id;
  } else {
    auto start = ctx.hub.start(replay);
    pending = std::move(start.replay);
    cursor = start.cursor;
  }
  // The browser's reconnect delay, jittered so a restart is not met by every page at once.
  std::string opening = sse::format_retry(std::chrono::milliseconds(jitter(2000, 5000)));
  for (const auto& event : pending) opening += event->frame;

  auto stream =
      std::make_shared<Stream>(ctx.hub, ctx.metrics, cursor, std::move(opening), pending.size(),
                               std::chrono::seconds(ctx.settings.heartbeat_seconds));
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      sse::kContentType,
      [stream](std::size_t, httplib::DataSink& sink) { return stream->pump(sink); },
      [slots](bool) mutable { slots.reset(); });
}

}  // namespace proof
