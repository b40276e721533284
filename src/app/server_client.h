// What the operator commands (send, erase, stats) share: an HTTP client for the server named
// by --url (or the settings' own address), the key in Authorization, and failures worded for
// the person at the terminal rather than in the library's enum names.
#pragma once

#include <httplib.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "app/config.h"

namespace proof::app {

/// A --url split into what httplib::Client takes (scheme://host:port) and the path a reverse
/// proxy may mount proof under (https://example.com/proof). A URL that names an endpoint
/// (…/signup, …/events, …/stats) is taken to mean the server it belongs to.
struct SplitUrl {
  std::string origin;
  std::string path_prefix;
};
SplitUrl split_server_url(std::string_view url);

/// Sentence for a request that got no answer: "could not connect", "the server's TLS
/// certificate is not trusted …".
std::string describe_failure(httplib::Error error);

/// The {"error": "..."} message of an answer, else its body as it came.
std::string server_message(const httplib::Response& response);

/// How long to wait before attempt number `attempt` + 1 (from 0) of a request whose
/// answer was a 503 or 409 (`retry_after`: its Retry-After, if a number) or none at all:
/// the server's word, else 1, 2, 4 s; never more than 10 s.
std::chrono::seconds retry_delay(int attempt, std::string_view retry_after);

/// A fresh Idempotency-Key: 128 random bits in hex.
std::string new_idempotency_key();

class ServerClient {
 public:
  /// `command` names the command in messages ("proof send"); an empty `api_key` sends no
  /// Authorization header.
  ServerClient(std::string command, const ServerTarget& target, const std::string& api_key);

  /// False (after printing why) when the URL cannot be used.
  bool valid() const { return client_ != nullptr; }

  /// The request's answer, or nullptr after printing why none came.
  std::unique_ptr<httplib::Response> get(const std::string& path);
  std::unique_ptr<httplib::Response> post_json(const std::string& path, const std::string& body);

  /// post_json with an Idempotency-Key, sent again with the same key when no answer came
  /// (a dropped connection) or the answer was 503 or 409, up to `attempts` times: the
  /// server publishes it once. Says on stderr when it retries.
  std::unique_ptr<httplib::Response> post_json_once(const std::string& path,
                                                    const std::string& body, int attempts = 4);
  std::unique_ptr<httplib::Response> del(const std::string& path);

  /// Prints "COMMAND: WHAT (HTTP n): the server's message" to stderr.
  void refused(const std::string& what, const httplib::Response& response) const;

 private:
  std::unique_ptr<httplib::Response> answer(httplib::Result result, bool quiet = false);

  std::string command_;
  std::string url_;
  SplitUrl split_;
  httplib::Headers headers_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace proof::app
