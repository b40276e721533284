#include "app/server_client.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <iostream>
#include <random>
#include <thread>

#include "core/encoding.h"
#include "core/refusal.h"

namespace proof::app {

SplitUrl split_server_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  const auto authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const auto path_start = url.find('/', authority_start);
  if (path_start == std::string_view::npos) return {std::string(url), ""};
  std::string path(url.substr(path_start));
  if (const auto query = path.find_first_of("?#"); query != std::string::npos) path.resize(query);
  while (!path.empty() && path.back() == '/') path.pop_back();
  // An operator who pastes the endpoint they know means the server it belongs to.
  for (const std::string_view endpoint : {"/signup", "/events", "/stats"}) {
    if (path.size() >= endpoint.size() &&
        path.compare(path.size() - endpoint.size(), endpoint.size(), endpoint) == 0) {
      path.resize(path.size() - endpoint.size());
      break;
    }
  }
  return {std::string(url.substr(0, path_start)), path};
}

std::string describe_failure(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "could not connect (is proof running there, on that port?)";
    case httplib::Error::ConnectionTimeout:
      return "timed out while connecting";
    case httplib::Error::Read:
      return "the connection closed before an answer came (an https server asked over http?)";
    case httplib::Error::Write:
      return "the connection closed while sending";
    case httplib::Error::SSLConnection:
      return "the TLS handshake failed (an http server asked over https?)";
    case httplib::Error::SSLLoadingCerts:
      return "cannot load the certificates to trust (--ca-cert)";
    case httplib::Error::SSLServerVerification:
      return "the server's TLS certificate is not trusted for that name (for a self-signed "
             "one, give --ca-cert FILE)";
    case httplib::Error::UnsupportedMultipartBoundaryChars:
    case httplib::Error::Compression:
    case httplib::Error::ExceedRedirectCount:
    case httplib::Error::Canceled:
    case httplib::Error::BindIPAddress:
    case httplib::Error::Unknown:
    case httplib::Error::Success:
      break;
  }
  return "the request failed (" + httplib::to_string(error) + ")";
}

std::string server_message(const httplib::Response& response) {
  if (auto message = core::refusal_message(response.body)) return *message;
  return response.body.empty() ? std::string("(no body)") : response.body;
}

ServerClient::ServerClient(std::string command, const ServerTarget& target,
                           const std::string& api_key)
    : command_(std::move(command)), url_(target.url), split_(split_server_url(target.url)) {
  if (!api_key.empty()) headers_.emplace("Authorization", "Bearer " + api_key);
  const bool known_scheme =
      split_.origin.rfind("http://", 0) == 0 || split_.origin.rfind("https://", 0) == 0;
  auto client = std::make_unique<httplib::Client>(split_.origin);
  if (!known_scheme || !client->is_valid()) {
    std::cerr << command_ << ": cannot use the URL '" << url_
              << "': give one such as http://127.0.0.1:6009 or https://proof.example\n";
    return;
  }
  client->set_connection_timeout(5);
  client->set_read_timeout(10);
  if (!target.ca_cert.empty()) client->set_ca_cert_path(target.ca_cert);
  client->enable_server_certificate_verification(target.verify_certificate);
  client_ = std::move(client);
}

std::unique_ptr<httplib::Response> ServerClient::answer(httplib::Result result, bool quiet) {
  if (!result) {
    if (!quiet) {
      std::cerr << command_ << ": no answer from " << url_ << ": "
                << describe_failure(result.error()) << '\n';
    }
    return nullptr;
  }
  return std::make_unique<httplib::Response>(*result);
}

std::chrono::seconds retry_delay(int attempt, std::string_view retry_after) {
  constexpr std::chrono::seconds kMost{10};
  int seconds = 0;
  const auto [end, ec] =
      std::from_chars(retry_after.data(), retry_after.data() + retry_after.size(), seconds);
  if (!retry_after.empty() && ec == std::errc{} && end == retry_after.data() + retry_after.size() &&
      seconds >= 0) {
    return std::min(std::chrono::seconds(std::max(seconds, 1)), kMost);
  }
  return std::min(std::chrono::seconds(1 << std::min(attempt, 4)), kMost);
}

std::string new_idempotency_key() {
  std::random_device random;
  std::string bytes;
  for (int i = 0; i < 4; ++i) {
    const auto word = static_cast<std::uint32_t>(random());
    for (int b = 0; b < 4; ++b) bytes += static_cast<char>((word >> (8 * b)) & 0xFF);
  }
  return core::to_hex(bytes);
}

std::unique_ptr<httplib::Response> ServerClient::post_json_once(const std::string& path,
                                                                const std::string& body,
                                                                int attempts) {
  httplib::Headers headers = headers_;
  headers.emplace("Idempotency-Key", new_idempotency_key());
  for (int attempt = 0;; ++attempt) {
    const bool last = attempt + 1 >= attempts;
    auto response =
        answer(client_->Post(split_.path_prefix + path, headers, body, "application/json"), !last);
    const bool retry = !response || response->status == 503 || response->status == 409;
    if (!retry || last) return response;
    const auto wait =
        retry_delay(attempt, response ? response->get_header_value("Retry-After") : "");
    std::cerr << command_ << ": "
              << (response ? "HTTP " + std::to_string(response->status) + ": " +
                                 server_message(*response)
                           : std::string("no answer from ") + url_)
              << "; trying again in " << wait.count() << " s\n";
    std::this_thread::sleep_for(wait);
  }
}

std::unique_ptr<httplib::Response> ServerClient::get(const std::string& path) {
  return answer(client_->Get(split_.path_prefix + path, headers_));
}

std::unique_ptr<httplib::Response> ServerClient::post_json(const std::string& path,
                                                           const std::string& body) {
  return answer(client_->Post(split_.path_prefix + path, headers_, body, "application/json"));
}

std::unique_ptr<httplib::Response> ServerClient::del(const std::string& path) {
  return answer(client_->Delete(split_.path_prefix + path, headers_));
}

void ServerClient::refused(const std::string& what, const httplib::Response& response) const {
  std::cerr << command_ << ": " << what << " (HTTP " << response.status
            << "): " << server_message(response) << '\n';
}

}  // namespace proof::app
