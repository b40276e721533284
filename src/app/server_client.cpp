#include "app/server_client.h"

#include <iostream>

#include "core/refusal.h"

namespace proof {

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
  if (auto message = refusal_message(response.body)) return *message;
  return response.body.empty() ? std::string("(no body)") : response.body;
}

ServerClient::ServerClient(std::string command, const ServerTarget& target,
                           const std::string& api_key)
    : command_(std::move(command)),
      url_(target.url),
      split_(split_server_url(target.url)),
      headers_{{"Authorization", "Bearer " + api_key}} {
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
  client_ = std::move(client);
}

std::unique_ptr<httplib::Response> ServerClient::answer(httplib::Result result) {
  if (!result) {
    std::cerr << command_ << ": no answer from " << url_ << ": " << describe_failure(result.error())
              << '\n';
    return nullptr;
  }
  return std::make_unique<httplib::Response>(*result);
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

}  // namespace proof
