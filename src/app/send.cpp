#include "app/send.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "app/server_client.h"

namespace proof::app {

int send_signup(const Settings& settings, const ServerTarget& target, const SendRequest& request) {
  ServerClient client("proof send", target, settings.api_key);
  if (!client.valid()) return kExitFailure;

  nlohmann::json signup{{"user_name", request.user}, {"offer_name", request.offer}};
  if (!request.city.empty()) signup["city"] = request.city;
  if (!request.img.empty()) signup["img_path"] = request.img;
  if (!request.link.empty()) signup["url"] = request.link;

  // Retried with the same Idempotency-Key after a 503 or a dropped connection: the signup
  // is published once, whether the first try reached the server or not.
  const auto response = client.post_json_once("/signup", signup.dump());
  if (!response) return kExitFailure;
  if (response->status / 100 != 2) {
    client.refused("the server refused the signup", *response);
    return kExitFailure;
  }
  const auto body = nlohmann::json::parse(response->body, nullptr, false);
  if (!body.is_object() || !body.contains("id")) {
    std::cerr << "proof send: unexpected answer (HTTP " << response->status
              << "): " << response->body << '\n';
    return kExitFailure;
  }
  std::cout << body["id"].dump() << '\n';
  return kExitOk;
}

}  // namespace proof::app
