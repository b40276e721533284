#include "http/router.h"

#include <cstring>
#include <stdexcept>

#include "core/signup.h"
#include "http/routes.h"
#include "sources/receiver.h"

namespace proof {

namespace {

/// httplib's view of one request: reads come from the loop's buffer, writes go to the
/// answer. Nothing here can block.
class BufferStream final : public httplib::Stream {
 public:
  BufferStream(const net::Request& request, std::string& out) : request_(request), out_(out) {}

  bool is_readable() const override { return read_ < request_.bytes.size(); }
  bool is_writable() const override { return true; }

  ssize_t read(char* ptr, size_t size) override {
    const std::size_t n = std::min(size, request_.bytes.size() - read_);
    std::memcpy(ptr, request_.bytes.data() + read_, n);
    read_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    // The loop has already answered `Expect: 100-continue` before the body arrived; the
    // library writes its own interim answer first, which must not be sent twice.
    constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    if (out_.empty() && std::string_view(ptr, size) == kContinue) return static_cast<ssize_t>(size);
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = request_.remote_ip;
    port = request_.remote_port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = request_.local_ip;
    port = request_.local_port;
  }
  // The library compares this with FD_SETSIZE (select()): no socket, so no such limit.
  socket_t socket() const override { return INVALID_SOCKET; }

 private:
  const net::Request& request_;
  std::string& out_;
  std::size_t read_ = 0;
};

thread_local std::unique_ptr<net::StreamOpening>* g_stream_slot = nullptr;
thread_local bool g_over_tls = false;

}  // namespace

Router::Router(HttpContext& context) {
  // The loop has already held each body to its route's limit (16 KiB, 1 MiB for /hooks/).
  set_payload_max_length(sources::kMaxDeliveryBytes);
  set_keep_alive_max_count(1000);
  set_keep_alive_timeout(5);
  install_routes(*this, context);
  if (context.options.hsts) {
    // Opt-in: once a browser has seen it, the site cannot go back to plain HTTP for a year.
    set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
      if (g_over_tls) res.set_header("Strict-Transport-Security", "max-age=31536000");
    });
  }
}

net::Answer Router::answer(const net::Request& request) {
  net::Answer answer;
  std::unique_ptr<net::StreamOpening> stream;
  g_stream_slot = &stream;
  g_over_tls = request.tls;
  BufferStream strm(request, answer.bytes);
  bool closed = false;
  const bool ok = process_request(strm, request.close, closed, nullptr);
  g_stream_slot = nullptr;
  answer.close = request.close || closed || !ok;
  answer.stream = std::move(stream);
  return answer;
}

void hand_over_stream(std::unique_ptr<net::StreamOpening> stream) {
  if (g_stream_slot == nullptr) throw std::logic_error("a stream was opened outside a request");
  *g_stream_slot = std::move(stream);
}

}  // namespace proof
