#include "engine/server/subscriptions.hpp"

#include <algorithm>

namespace jubian::server {

using protocol::SubscriptionKind;

bool EventMailbox::push(const Event& event, SubscriptionKind kind, uint64_t key, uint64_t ordinal) {
  std::lock_guard lock(mutex_);
  if (ordinal == last_ordinal_) return false;
  last_ordinal_ = ordinal;

  // Once one stream is conflated, every later event conflates too until the consumer
  // takes them, so no event is ever delivered after a newer one of its stream.
  if (slow_ || pending_.size() >= pending_max_ || !latest_.empty()) {
    conflate_locked(event, StreamKey{static_cast<uint8_t>(kind), key, static_cast<uint16_t>(event.type)});
  } else {
    pending_.push_back(event);
  }

  if (wake_requested_) return false;
  wake_requested_ = true;
  return true;
}

void EventMailbox::conflate_locked(const Event& event, StreamKey key) {
  auto [slot, inserted] = latest_.try_emplace(key, event);
  if (!inserted) {
    slot->second = event;
    ++replaced_;
  }
}

void EventMailbox::take(Batch& batch) {
  batch.events.clear();
  batch.events_replaced = 0;
  batch.latest_count = 0;

  std::lock_guard lock(mutex_);
  wake_requested_ = false;
  batch.events.swap(pending_);
  pending_.reserve(pending_max_);

  if (!latest_.empty()) {
    const auto first_latest = batch.events.size();
    for (const auto& [key, event] : latest_) batch.events.push_back(event);
    std::stable_sort(batch.events.begin() + static_cast<std::ptrdiff_t>(first_latest), batch.events.end(),
                     [](const Event& a, const Event& b) { return a.seq < b.seq; });
    batch.latest_count = static_cast<uint32_t>(latest_.size());
    // A stream that conflated without losing anything still counts: the client must
    // know that the events it sees now may be a summary.
    batch.events_replaced = std::max<uint64_t>(replaced_, 1);
    latest_.clear();
    replaced_ = 0;
  }
}

void EventMailbox::set_slow(bool slow) {
  std::lock_guard lock(mutex_);
  slow_ = slow;
}

void SubscriptionRegistry::add(protocol::Subscription subscription, const std::shared_ptr<EventMailbox>& mailbox) {
  std::unique_lock lock(mutex_);
  auto& list = subscribers_[Key{static_cast<uint8_t>(subscription.kind), subscription.key}];
  if (std::find(list.begin(), list.end(), mailbox) == list.end()) list.push_back(mailbox);
}

bool SubscriptionRegistry::remove(protocol::Subscription subscription, const EventMailbox* mailbox) {
  std::unique_lock lock(mutex_);
  const auto found = subscribers_.find(Key{static_cast<uint8_t>(subscription.kind), subscription.key});
  if (found == subscribers_.end()) return false;

  auto& list = found->second;
  const auto removed = std::remove_if(list.begin(), list.end(), [&](const auto& m) { return m.get() == mailbox; });
  const bool any = removed != list.end();
  list.erase(removed, list.end());
  if (list.empty()) subscribers_.erase(found);
  return any;
}

uint64_t SubscriptionRegistry::deliver(SubscriptionKind kind, uint64_t key, const Event& event, uint64_t ordinal,
                                       std::vector<EventMailbox*>& to_wake) const {
  if (key == 0) return 0;
  const auto found = subscribers_.find(Key{static_cast<uint8_t>(kind), key});
  if (found == subscribers_.end()) return 0;
  for (const auto& mailbox : found->second) {
    if (mailbox->push(event, kind, key, ordinal)) to_wake.push_back(mailbox.get());
  }
  return found->second.size();
}

uint64_t SubscriptionRegistry::route(std::span<const Event> events) {
  std::shared_lock lock(mutex_);
  if (subscribers_.empty()) return 0;

  uint64_t deliveries = 0;
  to_wake_.clear();
  for (const Event& event : events) {
    const uint64_t ordinal = next_ordinal_++;
    deliveries += deliver(SubscriptionKind::lot, event.lot.value, event, ordinal, to_wake_);
    deliveries += deliver(SubscriptionKind::category, event.category.value, event, ordinal, to_wake_);
    deliveries += deliver(SubscriptionKind::account, event.account.value, event, ordinal, to_wake_);
  }

  // Woken under the shared lock, so no mailbox can be released by a concurrent remove.
  for (EventMailbox* mailbox : to_wake_) {
    if (mailbox->wake) mailbox->wake();
  }
  return deliveries;
}

size_t SubscriptionRegistry::subscription_count() const {
  std::shared_lock lock(mutex_);
  size_t count = 0;
  for (const auto& [key, list] : subscribers_) count += list.size();
  return count;
}

}  // namespace jubian::server
