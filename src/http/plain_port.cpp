#include "http/plain_port.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/refusal.h"
#include "core/text.h"
#include "http/context.h"
#include "http/request.h"
#include "http/response.h"

namespace proof::http {

namespace {

constexpr std::size_t kMaxToken = 128;
constexpr off_t kMaxChallengeBytes = 4096;
constexpr int kHttpsDefaultPort = 443;

bool base64url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

bool digit(char c) {
  return c >= '0' && c <= '9';
}

/// A DNS name as a Host header carries it: labels of letters, digits and hyphens, dots
/// between them (a final dot allowed), at most 253 characters.
bool host_name(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '.') return false;
  char previous = '.';
  for (const char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || digit(c) || c == '-' ||
                    (c == '.' && previous != '.');
    if (!ok) return false;
    previous = c;
  }
  return true;
}

/// The inside of "[...]": hexadecimal digits, colons and the dots of an embedded IPv4.
bool ipv6_literal(std::string_view inside) {
  if (inside.size() < 2 || inside.size() > 45) return false;
  for (const char c : inside) {
    const bool ok =
        digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
    if (!ok) return false;
  }
  return inside.find(':') != std::string_view::npos;
}

bool port_text(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  for (const char c : port) {
    if (!digit(c)) return false;
  }
  return true;
}

/// A descriptor closed when it goes out of scope.
struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

}  // namespace

bool acme_token_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxToken) return false;
  for (const char c : name) {
    if (!base64url(c)) return false;
  }
  return true;
}

std::optional<std::string> https_location(std::string_view host_header, std::string_view target,
                                          int https_port) {
  if (target.empty() || target.front() != '/') return std::nullopt;
  std::string_view host = host_header;
  if (host.starts_with('[')) {
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos || !ipv6_literal(host.substr(1, close - 1))) {
      return std::nullopt;
    }
    const std::string_view rest = host.substr(close + 1);
    if (!rest.empty() && !(rest.front() == ':' && port_text(rest.substr(1)))) return std::nullopt;
    host = host.substr(0, close + 1);
  } else {
    const std::size_t colon = host.find(':');
    if (colon != std::string_view::npos) {
      if (!port_text(host.substr(colon + 1))) return std::nullopt;
      host = host.substr(0, colon);
    }
    if (!host_name(host)) return std::nullopt;
  }
  std::string location = "https://";
  location += host;
  if (https_port != kHttpsDefaultPort) location += ":" + std::to_string(https_port);
  location += target;
  return location;
}

std::optional<std::string> read_acme_challenge(const std::string& webroot, std::string_view token) {
  if (!acme_token_name(token)) return std::nullopt;
  // The webroot is the operator's and may be reached through links (/var/lib/proof is one
  // under systemd's DynamicUser=); nothing below it may be.
  const Fd root(::open(webroot.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (root.fd < 0) return std::nullopt;
  constexpr int kDirectory = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  const Fd well_known(::openat(root.fd, ".well-known", kDirectory));
  if (well_known.fd < 0) return std::nullopt;
  const Fd challenges(::openat(well_known.fd, "acme-challenge", kDirectory));
  if (challenges.fd < 0) return std::nullopt;
  // Non-blocking: a FIFO planted under the name must not hold a worker.
  const Fd file(::openat(challenges.fd, std::string(token).c_str(),
                         O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (file.fd < 0) return std::nullopt;
  struct stat info {};
  if (::fstat(file.fd, &info) != 0 || !S_ISREG(info.st_mode) || info.st_size > kMaxChallengeBytes) {
    return std::nullopt;
  }
  std::string body(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t got = 0;
  while (got < body.size()) {
    const ssize_t n = ::read(file.fd, body.data() + got, body.size() - got);
    if (n <= 0) return std::nullopt;
    got += static_cast<std::size_t>(n);
  }
  return body;
}

net::Answer PlainPort::answer(const net::Request& raw) {
  const Request req(raw);
  Response res;
  const auto refuse = [&](const core::Refusal& refusal) {
    refuse_with(metrics_, req, req.remote_addr(), " on the HTTP port", res, refusal);
  };
  const std::string_view path = req.path();
  if (!req.target().starts_with('/')) {
    refuse({400, core::RejectReason::kBadRequest, "the request target is not a path"});
  } else if (!webroot_.empty() && path.starts_with(kAcmeChallengePrefix)) {
    if (req.method() != "GET" && req.method() != "HEAD") {
      res.set_header("Allow", "GET, HEAD");
      refuse({405, core::RejectReason::kMethod, "ACME challenges accept GET and HEAD"});
    } else if (const auto body =
                   read_acme_challenge(webroot_, path.substr(kAcmeChallengePrefix.size()))) {
      spdlog::info("served the ACME challenge {} to {}", core::text::printable(path),
                   req.remote_addr());
      res.set_header("Cache-Control", "no-store");
      res.set_content(*body, "application/octet-stream");
    } else {
      refuse({404, core::RejectReason::kNotFound, "no such ACME challenge"});
    }
  } else if (const auto location = https_location(req.header("Host"), req.target(), https_port_)) {
    // 308, not 301: a POST stays a POST with its body (RFC 9110 15.4.9).
    res.status = 308;
    res.set_header("Location", *location);
  } else {
    refuse({400, core::RejectReason::kBadRequest,
            "the Host header is missing or is not a host name; send the name this server is "
            "reached by"});
  }
  net::Answer answer;
  answer.close = req.closes();
  answer.bytes = response_bytes(
      res, {.head_only = req.method() == "HEAD", .close = answer.close, .http10 = req.http10()});
  return answer;
}

}  // namespace proof::http
