// One loop's HTTP/1 connection state machine (Loop's member functions, apart from the loop
// itself in loop.cpp): a request is read into the connection's buffer, head and body
// checked, dispatched to a worker when complete, its answer written in order (or the
// connection turned into a stream), and the connection read on, closed, or refused by the
// loop itself with a timeout, a limit or a malformed head.
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>
#include <string>
#include <variant>

#include "core/log_throttle.h"
#include "core/refusal.h"
#include "net/http1.h"
#include "net/loop.h"

namespace proof::net {

namespace {

/// After the last answer to a client that is still sending: read and drop for this long,
/// so the answer is not lost to a reset (nginx's lingering close).
constexpr std::chrono::milliseconds kLinger{2000};

core::RejectReason reason_for(int status) {
  switch (status) {
    case 408:
      return core::RejectReason::kTimeout;
    case 413:
    case 414:
    case 431:
      return core::RejectReason::kTooLarge;
    case 415:
      return core::RejectReason::kUnsupportedMediaType;
    default:
      return core::RejectReason::kBadRequest;
  }
}

core::Refusal refusal_for(const HeadError& error) {
  return {error.status, reason_for(error.status), error.message};
}

}  // namespace

void Loop::on_event(Connection& c, std::uint32_t events, Clock::time_point now) {
  if (c.state == Connection::State::handshake) {
    const auto io = c.handshake();
    if (io == Connection::Io::closed) return close(c);
    if (io == Connection::Io::again) return;
    c.state = Connection::State::reading;
  }
  if (c.has_output() && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
    after_write(c, c.flush(), now);
    if (!find(c.fd(), c.serial())) return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable(c, now);
}

void Loop::on_readable(Connection& c, Clock::time_point now) {
  using State = Connection::State;
  if (c.state == State::streaming || c.state == State::lingering) {
    // Nothing a stream's client sends means anything; only its end does.
    if (c.discard_available() == Connection::Io::closed) {
      if (c.state == State::streaming) shared_.metrics.dropped();
      close(c);
    }
    return;
  }
  const int fd = c.fd();
  const std::uint64_t serial = c.serial();
  for (;;) {
    const bool was_empty = c.in.empty();
    const std::size_t limit = read_limit(c);
    c.read_paused = false;
    if (c.read_available(limit) == Connection::Io::closed) c.peer_closed = true;
    if (was_empty && !c.in.empty() && c.state == State::reading) {
      c.deadline = now + options_.request_timeout;
    }
    if (c.state != State::reading) return;
    process_input(c, now);
    // A head read within the small limit may allow a large body (/hooks/): with the socket
    // edge-triggered, what it still holds must be read now, not at the next event.
    if (!find(fd, serial) || c.state != State::reading || !c.read_paused ||
        read_limit(c) <= limit) {
      return;
    }
  }
}

std::size_t Loop::read_limit(const Connection& c) const {
  const HeadLimits& limits = c.listener->head_limits;
  // Room for the request and one pipelined behind it, bodies in chunked framing included.
  const std::size_t body =
      c.request && c.request->head ? c.request->head->max_body_bytes : limits.max_body_bytes;
  return limits.max_head_bytes + 2 * std::max(body, limits.max_body_bytes) + 1024;
}

bool Loop::admit_large_body(Connection& c, RequestState& request) {
  const RequestHead& head = *request.head;
  const std::size_t usual = c.listener->head_limits.max_body_bytes;
  const bool large = head.max_body_bytes > usual && (head.chunked || head.content_length > usual);
  if (!large) return true;
  request.large_body = shared_.caps.take_large_body();
  if (request.large_body.held()) return true;
  refuse(c, {.status = 503,
             .reason = core::RejectReason::kUnavailable,
             .message = "too many large request bodies arriving at once; retry later",
             .retry_after = 1});
  return false;
}

bool Loop::read_head(Connection& c, RequestState& request) {
  // The parser keeps its place, so a head trickled in line by line costs linear time.
  auto result = request.parser.parse(c.in);
  if (std::holds_alternative<std::monostate>(result)) {
    if (c.peer_closed) close(c);
    return false;
  }
  if (const auto* error = std::get_if<HeadError>(&result)) {
    refuse(c, refusal_for(*error));
    return false;
  }
  request.head = std::move(std::get<RequestHead>(result));
  if (!admit_large_body(c, request)) return false;
  request.body.emplace(*request.head);
  return true;
}

void Loop::process_input(Connection& c, Clock::time_point now) {
  while (c.state == Connection::State::reading) {
    if (c.in.empty()) {
      if (c.peer_closed) return close(c);
      c.deadline = now + options_.keep_alive_timeout;
      return;
    }
    if (!c.request) {
      idle_.remove(c);  // a request begins
      c.request = std::make_unique<RequestState>(c.listener->head_limits);
    }
    RequestState& request = *c.request;
    if (!request.head && !read_head(c, request)) return;
    switch (request.body->read(c.in)) {
      case BodyReader::State::need_more:
        if (c.peer_closed) return close(c);
        if (request.head->expect_continue && !request.continue_sent) {
          request.continue_sent = true;
          c.queue("HTTP/1.1 100 Continue\r\n\r\n");
          after_write(c, c.flush(), now);
        }
        return;
      case BodyReader::State::error:
        return refuse(c, refusal_for(request.body->error()));
      case BodyReader::State::done:
        dispatch(c, request.body->total(), now);
        break;
    }
  }
}

void Loop::dispatch(Connection& c, std::size_t total, Clock::time_point now) {
  Request request;
  request.head = std::move(*c.request->head);
  const RequestHead& head = request.head;
  const std::string_view body(c.in.data() + head.head_bytes, total - head.head_bytes);
  request.body = head.chunked ? decode_chunked(body) : std::string(body);
  request.remote_ip = c.peer().ip;
  request.remote_port = c.peer().port;
  request.local_ip = c.peer().local_ip;
  request.local_port = c.peer().local_port;
  request.close = !head.keep_alive;
  request.tls = c.tls();
  const bool http10 = head.minor_version == 0;
  const bool close_after = request.close;
  const Lane lane = head.lane;
  c.in.erase(0, total);
  c.request.reset();  // and with it, a large body's place
  fresh_.remove(c);
  c.state = Connection::State::dispatched;
  c.deadline = now + options_.answer_timeout;
  auto task = [this, fd = c.fd(), serial = c.serial(), http10, close_after,
               handler = c.listener->handler, request = std::move(request)] {
    Completion completion{fd, serial, http10, close_after, handler->answer(request)};
    {
      std::lock_guard lock(inbox_mutex_);
      done_.push_back(std::move(completion));
    }
    wake(false);
  };
  if (!shared_.pool.submit(std::move(task), lane)) close(c);
}

void Loop::take_completions(Clock::time_point now) {
  std::vector<Completion> finished;
  {
    std::lock_guard lock(inbox_mutex_);
    if (done_.empty()) return;
    finished.swap(done_);
  }
  for (auto& completion : finished) complete(completion, now);
}

void Loop::complete(Completion& done, Clock::time_point now) {
  Connection* found = find(done.fd, done.serial);
  // The client left, or the loop already answered 503 for a worker that took too long; a
  // stream's slots go back as `done` ends.
  if (!found || found->state != Connection::State::dispatched) return;
  Connection& c = *found;
  Answer& answer = done.answer;
  if (answer.stream) return start_stream(c, *answer.stream, done.http10, now);
  c.queue(answer.bytes);
  c.state = answer.close || done.close ? Connection::State::closing : Connection::State::reading;
  c.last_progress = now;
  after_write(c, c.flush(), now);
  if (!find(done.fd, done.serial)) return;
  if (c.state != Connection::State::reading) return;
  if (c.in.empty()) idle_.push_back(c, now);
  c.deadline = now + (c.in.empty() ? options_.keep_alive_timeout : options_.request_timeout);
  process_input(c, now);
  // Reading stopped at the buffer limit while the request was answered: read on.
  if (find(done.fd, done.serial) && c.read_paused) on_readable(c, now);
}

void Loop::start_stream(Connection& c, StreamOpening& opening, bool http10, Clock::time_point now) {
  c.queue(stream_head(opening, http10, options_.hsts && c.tls()));
  if (!opening.opening.empty()) {
    std::vector<std::string_view> pieces;
    const ChunkHead head(opening.opening.size());
    frame(pieces, !http10, head, opening.opening);
    for (const auto piece : pieces) c.queue(piece);
  }
  shared_.metrics.delivered(opening.opening_events);
  c.state = Connection::State::streaming;
  c.stream_slots = std::move(opening.slots);
  c.in.clear();
  c.last_progress = now;
  Subscriber& s = c.subscriber;
  s.chunked = !http10;
  s.cursor = opening.cursor;
  s.channel = std::move(opening.channel);
  s.presence = opening.presence;
  if (c.flush() == Connection::Io::closed || !fanout_.join(s, now)) {
    shared_.metrics.dropped();
    close(c);
  }
}

void Loop::refuse(Connection& c, const core::Refusal& refusal) {
  shared_.metrics.rejected(refusal.reason);
  if (c.listener->on_refused) {
    std::string_view target;
    if (c.request) {
      target = c.request->head ? std::string_view(c.request->head->target)
                               : c.request->parser.target(c.in);
    }
    c.listener->on_refused(target, refusal);
  }
  if (std::uint64_t skipped = 0; core::refusal_log().allow(Clock::now(), skipped)) {
    spdlog::warn("rejected a request from {}: {} {} ({}){}", c.peer().ip, refusal.status,
                 core::reason_label(refusal.reason), refusal.message, core::skipped_note(skipped));
  }
  c.queue(refusal_bytes(refusal));
  c.state = Connection::State::closing;
  c.in.clear();
  c.request.reset();
  c.last_progress = Clock::now();
  after_write(c, c.flush(), c.last_progress);
}

void Loop::after_write(Connection& c, Connection::Io io, Clock::time_point now) {
  if (io == Connection::Io::closed) {
    if (c.state == Connection::State::streaming) shared_.metrics.dropped();
    return close(c);
  }
  if (c.state == Connection::State::closing && !c.has_output()) begin_linger(c, now);
}

void Loop::begin_linger(Connection& c, Clock::time_point now) {
  if (c.tls()) {
    // A close_notify is polite; the peer may be gone, so its result does not matter.
    return close(c);
  }
  ::shutdown(c.fd(), SHUT_WR);
  c.state = Connection::State::lingering;
  c.deadline = now + kLinger;
  if (c.discard_available() == Connection::Io::closed) close(c);
}

void Loop::timeouts(Connection& c, Clock::time_point now) {
  using State = Connection::State;
  switch (c.state) {
    case State::handshake:
    case State::reading:
      if (now < c.deadline) return;
      if (c.in.empty() && !c.request) return close(c);  // idle keep-alive, or never spoke
      return refuse(c, {.status = 408,
                        .reason = core::RejectReason::kTimeout,
                        .message = std::string(core::default_message(408))});
    case State::streaming:
    case State::closing:
      if (c.has_output() && now - c.last_progress > options_.write_timeout) {
        if (c.state == State::streaming) shared_.metrics.dropped();
        close(c);
      }
      return;
    case State::lingering:
      if (now >= c.deadline) close(c);
      return;
    case State::dispatched:
      // The worker is stuck (a stalled disk or Redis): answer now; its answer is dropped.
      if (now < c.deadline) return;
      return refuse(c, {.status = 503,
                        .reason = core::RejectReason::kUnavailable,
                        .message = "the server could not answer in time; retry later",
                        .retry_after = 2});
  }
}

}  // namespace proof::net
