#include "app/send.h"

#include <httplib.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <string_view>

namespace proof {

namespace {

/// A --url split into what httplib::Client takes (scheme://host:port) and the path a
/// reverse proxy may mount proof under (https://example.com/proof).
struct Target {
  std::string origin;
  std::string path_prefix;
};

Target split_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  const auto authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const auto path_start = url.find('/', authority_start);
  if (path_start == std::string_view::npos) return {std::string(url), ""};
  std::string path(url.substr(path_start));
  while (!path.empty() && path.back() == '/') path.pop_back();
  return {std::string(url.substr(0, path_start)), path};
}

/// The server's {"error": "..."} message, else the body as it came.
std::string error_message(const httplib::Result& result) {
  const auto body = nlohmann::json::parse(result->body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    return body["error"].get<std::string>();
  }
  return result->body.empty() ? std::string("(no body)") : result->body;
}

}  // namespace

int send_signup(const Settings& settings, const SendRequest& request) {
  const Target target = split_url(request.url);
  httplib::Client client(target.origin);
  if (!client.is_valid()) {
    std::cerr << "proof send: cannot use the URL " << request.url << '\n';
    return 1;
  }
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  if (!request.ca_cert.empty()) client.set_ca_cert_path(request.ca_cert);

  nlohmann::json signup{{"user_name", request.user}, {"offer_name", request.offer}};
  if (!request.city.empty()) signup["city"] = request.city;
  if (!request.img.empty()) signup["img_path"] = request.img;
  if (!request.link.empty()) signup["url"] = request.link;
  const httplib::Headers headers{{"Authorization", "Bearer " + settings.api_key}};

  const auto result =
      client.Post(target.path_prefix + "/signup", headers, signup.dump(), "application/json");
  if (!result) {
    const auto error = result.error();
    std::cerr << "proof send: no answer from " << request.url << ": "
              << (error == httplib::Error::Connection ? std::string("could not connect")
                                                      : httplib::to_string(error))
              << '\n';
    return 1;
  }
  if (result->status / 100 != 2) {
    std::cerr << "proof send: the server refused the signup (HTTP " << result->status
              << "): " << error_message(result) << '\n';
    return 1;
  }
  const auto body = nlohmann::json::parse(result->body, nullptr, false);
  if (!body.is_object() || !body.contains("id")) {
    std::cerr << "proof send: unexpected answer (HTTP " << result->status << "): " << result->body
              << '\n';
    return 1;
  }
  std::cout << body["id"].dump() << '\n';
  return 0;
}

}  // namespace proof
