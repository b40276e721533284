#include "app/erase.h"

#include <iostream>

#include "app/server_client.h"

namespace proof::app {

int erase_event(const Settings& settings, const ServerTarget& target, const std::string& id) {
  ServerClient client("proof erase", target, settings.api_key);
  if (!client.valid()) return kExitFailure;
  const auto response = client.del("/events/" + id);
  if (!response) return kExitFailure;
  if (response->status == 204) {
    std::cout << "erased event " << id << ": removed from the history and from open pages\n";
    return kExitOk;
  }
  if (response->status == 404) {
    client.refused("no event " + id + " to erase", *response);
    return kExitFailure;
  }
  client.refused("the server did not erase event " + id, *response);
  return kExitFailure;
}

}  // namespace proof::app
