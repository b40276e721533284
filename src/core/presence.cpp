#include "core/presence.h"

#include "core/sse.h"

namespace proof::core {

void PresenceCount::open(const std::string& channel) {
  ++local_version_;
  ++local_total_;
  if (!channel.empty()) ++local_[channel];
}

void PresenceCount::close(const std::string& channel) {
  ++local_version_;
  if (local_total_ > 0) --local_total_;
  if (channel.empty()) return;
  // Forget channels nobody has open, so arbitrary channel names cannot pile up.
  if (const auto it = local_.find(channel); it != local_.end() && --it->second == 0) {
    local_.erase(it);
  }
}

void PresenceCount::set_remote(const std::string& channel, std::size_t count) {
  if (count == 0) {
    remote_.erase(channel);
  } else {
    remote_[channel] = count;
  }
}

void PresenceCount::replace_remote(const std::vector<std::pair<std::string, std::size_t>>& counts) {
  remote_.clear();
  for (const auto& [channel, count] : counts) set_remote(channel, count);
}

std::vector<std::pair<std::string, std::size_t>> PresenceCount::local_counts() const {
  std::vector<std::pair<std::string, std::size_t>> out;
  out.reserve(local_.size() + 1);
  out.emplace_back(std::string(), local_total_);
  for (const auto& [channel, count] : local_) out.emplace_back(channel, count);
  return out;
}

void PresenceExchange::post_local(Counts counts) {
  std::lock_guard lock(mutex_);
  local_ = std::move(counts);
}

std::optional<PresenceExchange::Counts> PresenceExchange::take_remote() {
  std::lock_guard lock(mutex_);
  return std::exchange(remote_, std::nullopt);
}

PresenceExchange::Counts PresenceExchange::local() const {
  std::lock_guard lock(mutex_);
  return local_;
}

void PresenceExchange::post_remote(Counts counts) {
  std::lock_guard lock(mutex_);
  remote_ = std::move(counts);
}

void PresenceBoard::open(const std::string& channel) {
  std::lock_guard lock(mutex_);
  pages_.open(channel);
}

void PresenceBoard::close(const std::string& channel) {
  std::lock_guard lock(mutex_);
  pages_.close(channel);
}

std::size_t PresenceBoard::count(const std::string& channel) const {
  std::lock_guard lock(mutex_);
  return pages_.count(channel);
}

void PresenceBoard::set_remote(const std::string& channel, std::size_t count) {
  std::lock_guard lock(mutex_);
  pages_.set_remote(channel, count);
}

void PresenceBoard::exchange() {
  if (!exchange_) return;
  std::lock_guard lock(mutex_);
  if (pages_.local_version() != posted_) {
    posted_ = pages_.local_version();
    exchange_->post_local(pages_.local_counts());
  }
  if (auto remote = exchange_->take_remote()) pages_.replace_remote(*remote);
}

std::size_t PresenceCount::count(const std::string& channel) const {
  std::size_t n = local_total_;
  if (!channel.empty()) {
    const auto it = local_.find(channel);
    n = it == local_.end() ? 0 : it->second;
  }
  if (const auto it = remote_.find(channel); it != remote_.end()) n += it->second;
  return n;
}

std::optional<std::size_t> presence_due(PresenceSent& sent, std::size_t count,
                                        std::chrono::steady_clock::time_point now,
                                        std::chrono::seconds interval) {
  if (sent.any && (count == sent.count || now - sent.at < interval)) return std::nullopt;
  sent = PresenceSent{true, count, now};
  return count;
}

std::string presence_frame(std::size_t count) {
  return sse::format_notice("presence", "{\"count\":" + std::to_string(count) + "}");
}

}  // namespace proof::core
