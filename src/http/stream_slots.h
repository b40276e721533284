// The two places a stream holds while it is open: one of --max-subscribers-per-ip for its
// client address and one of --max-subscribers. Taken together, given back together.
#pragma once

#include <optional>
#include <string>

#include "core/hub.h"
#include "core/tallies.h"
#include "http/admission.h"
#include "http/context.h"

namespace proof::http {

class StreamSlots {
 public:
  /// Tries to take both slots for `address`; refusal() says which one was full. A stream
  /// admitted raises the day's peak of open pages in `tallies`.
  StreamSlots(core::Hub& hub, AddressSlots& addresses, std::string address, core::Tallies& tallies);
  ~StreamSlots();
  StreamSlots(const StreamSlots&) = delete;
  StreamSlots& operator=(const StreamSlots&) = delete;

  /// Why the stream may not open (429 address cap, 503 subscriber cap), or nullopt when
  /// both slots are held.
  std::optional<core::Refusal> refusal() const { return refusal_; }

 private:
  core::Hub& hub_;
  AddressSlots& addresses_;
  std::string address_;
  bool address_held_ = false;
  bool subscriber_held_ = false;
  std::optional<core::Refusal> refusal_;
};

}  // namespace proof::http
