// `proof health`: one GET /healthz, its answer printed, its status turned into the exit status.
#include "app/health.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "app/server_client.h"

namespace proof::app {

int check_health(const ServerTarget& target) {
  // /healthz needs no key: none is read or sent.
  ServerClient client("proof health", target, "");
  if (!client.valid()) return kExitFailure;
  const auto response = client.get("/healthz");
  if (!response) return kExitFailure;
  if (response->status == 200) {
    std::cout << response->body;
    return kExitOk;
  }
  const auto answer = nlohmann::json::parse(response->body, nullptr, false);
  const bool has_reason = answer.is_object() && answer.contains("reason") &&
                          answer["reason"].is_string() && answer.contains("status") &&
                          answer["status"].is_string();
  if (has_reason) {
    std::cerr << "proof health: " << answer["status"].get<std::string>() << " (HTTP "
              << response->status << "): " << answer["reason"].get<std::string>() << '\n';
  } else {
    client.refused("not healthy", *response);
  }
  return kExitFailure;
}

}  // namespace proof::app
