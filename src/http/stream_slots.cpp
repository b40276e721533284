#include "http/stream_slots.h"

namespace proof::http {

StreamSlots::StreamSlots(core::Hub& hub, AddressSlots& addresses, std::string address,
                         core::Tallies& tallies)
    : hub_(hub), addresses_(addresses), address_(std::move(address)) {
  address_held_ = addresses_.acquire(address_);
  if (!address_held_) {
    refusal_ = core::Refusal{429, core::RejectReason::kAddressCap,
                             "too many streams from one address; retry later"};
    return;
  }
  subscriber_held_ = hub_.try_subscribe();
  if (!subscriber_held_) {
    refusal_ =
        core::Refusal{503, core::RejectReason::kSubscriberCap, "too many subscribers; retry later"};
    return;
  }
  tallies.observe_pages(hub_.subscribers(), std::chrono::system_clock::now());
}

StreamSlots::~StreamSlots() {
  if (subscriber_held_) hub_.unsubscribe();
  if (address_held_) addresses_.release(address_);
}

}  // namespace proof::http
