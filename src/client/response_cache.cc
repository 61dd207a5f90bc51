#include "client/response_cache.h"

namespace marquee::client::internal {

std::optional<Reply> ResponseCache::Get(const std::string& target) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(target);
  if (it == entries_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, it->second.position);
  return it->second.reply;
}

void ResponseCache::Put(const std::string& target, const Reply& reply) {
  if (max_entries_ == 0 || reply.body.size() > max_body_bytes_) {
    Erase(target);
    return;
  }
  std::lock_guard lock(mu_);
  auto it = entries_.find(target);
  if (it != entries_.end()) {
    it->second.reply = reply;
    order_.splice(order_.begin(), order_, it->second.position);
    return;
  }
  if (entries_.size() >= max_entries_) {
    entries_.erase(order_.back());
    order_.pop_back();
  }
  order_.push_front(target);
  entries_.emplace(target, Entry{.reply = reply, .position = order_.begin()});
}

void ResponseCache::Erase(const std::string& target) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(target);
  if (it == entries_.end()) return;
  order_.erase(it->second.position);
  entries_.erase(it);
}

}  // namespace marquee::client::internal
