// DELETE /events/ID: erasure. The event leaves the history, the store (or Redis, for every
// instance), every replay and resume, and the totals; open pages get `event: erase` and
// drop its card.
#include <spdlog/spdlog.h>

#include "core/sse.h"
#include "core/unavailable.h"
#include "http/endpoints.h"

namespace proof::http {

void handle_erase(HttpContext& ctx, const Request& req, Response& res) {
  if (!ctx.authorized(req, res)) return;
  const auto id = core::sse::parse_event_id(req.route_id());
  if (!id) {
    ctx.refuse(req, res,
               {400, core::RejectReason::kBadRequest, "the event id must be a decimal number"});
    return;
  }
  bool erased = false;
  try {
    erased = ctx.publisher.erase(*id);
  } catch (const core::Unavailable& e) {  // the store, or the shared history in Redis
    spdlog::error("could not erase event {}: {}", *id, e.what());
    ctx.refuse(req, res, core::unavailable_refusal(e, "nothing was erased"));
    return;
  }
  if (!erased) {
    ctx.refuse(req, res,
               {404, core::RejectReason::kNotFound,
                "no event " + std::to_string(*id) + " in the history"});
    return;
  }
  spdlog::info("erased event {} (asked from {})", *id, req.client());
  res.status = 204;
}

}  // namespace proof::http
