// The limits every event loop of one server shares (--threads): connections open in all,
// connections per client address, and large request bodies arriving at once. A place is
// taken when a connection is accepted (or a large body starts) and given back by its token's
// destructor, on whichever loop the connection ends. Thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace proof::net {

class ConnectionCaps;

/// A connection's places: one of the total and, unless its address is uncapped, one of its
/// address's. Given back when destroyed; movable, not copyable.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ~ConnectionSlot() { release(); }
  ConnectionSlot(ConnectionSlot&& other) noexcept;
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

  bool held() const { return caps_ != nullptr; }
  void release();

 private:
  friend class ConnectionCaps;
  ConnectionCaps* caps_ = nullptr;
  std::string address_;  ///< empty: no per-address place held
};

/// One of the places for large bodies, while such a body arrives.
class LargeBodySlot {
 public:
  LargeBodySlot() = default;
  ~LargeBodySlot() { release(); }
  LargeBodySlot(LargeBodySlot&& other) noexcept;
  LargeBodySlot& operator=(LargeBodySlot&& other) noexcept;
  LargeBodySlot(const LargeBodySlot&) = delete;
  LargeBodySlot& operator=(const LargeBodySlot&) = delete;

  bool held() const { return count_ != nullptr; }
  void release();

 private:
  friend class ConnectionCaps;
  std::atomic<std::size_t>* count_ = nullptr;
};

class ConnectionCaps {
 public:
  struct Limits {
    std::size_t connections = 0;                  ///< open at once, in all
    std::size_t per_address = 0;                  ///< 0: no cap
    std::vector<std::string> uncapped_addresses;  ///< trusted proxies: many clients behind one
    std::size_t large_bodies = 0;                 ///< large bodies arriving at once
  };

  explicit ConnectionCaps(Limits limits) : limits_(std::move(limits)) {}
  ConnectionCaps(const ConnectionCaps&) = delete;
  ConnectionCaps& operator=(const ConnectionCaps&) = delete;

  enum class Verdict { admitted, total_full, address_full };

  /// Takes the places of a connection from `ip` into `slot`. total_full and address_full
  /// take nothing. `beyond_total`: take a place of the total even when it is full, because
  /// the caller is about to close a connection that makes room (eviction).
  Verdict admit(const std::string& ip, ConnectionSlot& slot, bool beyond_total = false);

  /// A place for a large body, or an empty slot when all are taken.
  LargeBodySlot take_large_body();

  std::size_t max_connections() const { return limits_.connections; }

 private:
  friend class ConnectionSlot;
  void give_back(const std::string& address);

  const Limits limits_;
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> large_bodies_{0};
  std::mutex address_mutex_;
  std::unordered_map<std::string, std::size_t> per_address_;  ///< guarded by address_mutex_
};

}  // namespace proof::net
