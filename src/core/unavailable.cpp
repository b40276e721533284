#include "core/unavailable.h"

namespace proof::core {

Refusal unavailable_refusal(const Unavailable& e, std::string_view not_done) {
  std::string message = std::string(e.part) + " is unavailable now; ";
  if (!not_done.empty()) message.append(not_done).append(", ");
  message += "retry later";
  return {.status = 503,
          .reason = RejectReason::kUnavailable,
          .message = std::move(message),
          .retry_after = e.retry_after};
}

}  // namespace proof::core
