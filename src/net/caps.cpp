#include "net/caps.h"

#include <algorithm>
#include <utility>

namespace proof::net {

ConnectionSlot::ConnectionSlot(ConnectionSlot&& other) noexcept
    : caps_(std::exchange(other.caps_, nullptr)), address_(std::move(other.address_)) {}

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
  if (this != &other) {
    release();
    caps_ = std::exchange(other.caps_, nullptr);
    address_ = std::move(other.address_);
  }
  return *this;
}

void ConnectionSlot::release() {
  if (ConnectionCaps* caps = std::exchange(caps_, nullptr)) caps->give_back(address_);
  address_.clear();
}

LargeBodySlot::LargeBodySlot(LargeBodySlot&& other) noexcept
    : count_(std::exchange(other.count_, nullptr)) {}

LargeBodySlot& LargeBodySlot::operator=(LargeBodySlot&& other) noexcept {
  if (this != &other) {
    release();
    count_ = std::exchange(other.count_, nullptr);
  }
  return *this;
}

void LargeBodySlot::release() {
  if (auto* count = std::exchange(count_, nullptr)) count->fetch_sub(1, std::memory_order_acq_rel);
}

ConnectionCaps::Verdict ConnectionCaps::admit(const std::string& ip, ConnectionSlot& slot,
                                              bool beyond_total) {
  slot.release();
  std::size_t current = open_.load(std::memory_order_relaxed);
  do {
    if (current >= limits_.connections && !beyond_total) return Verdict::total_full;
  } while (!open_.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel));
  const bool capped = limits_.per_address > 0 && std::find(limits_.uncapped_addresses.begin(),
                                                           limits_.uncapped_addresses.end(),
                                                           ip) == limits_.uncapped_addresses.end();
  if (capped) {
    std::lock_guard lock(address_mutex_);
    std::size_t& held = per_address_[ip];
    if (held >= limits_.per_address) {
      open_.fetch_sub(1, std::memory_order_acq_rel);
      return Verdict::address_full;
    }
    ++held;
    slot.address_ = ip;
  }
  slot.caps_ = this;
  return Verdict::admitted;
}

void ConnectionCaps::give_back(const std::string& address) {
  if (!address.empty()) {
    std::lock_guard lock(address_mutex_);
    auto it = per_address_.find(address);
    if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
  }
  open_.fetch_sub(1, std::memory_order_acq_rel);
}

LargeBodySlot ConnectionCaps::take_large_body() {
  LargeBodySlot slot;
  std::size_t current = large_bodies_.load(std::memory_order_relaxed);
  do {
    if (current >= limits_.large_bodies) return slot;
  } while (!large_bodies_.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel));
  slot.count_ = &large_bodies_;
  return slot;
}

}  // namespace proof::net
