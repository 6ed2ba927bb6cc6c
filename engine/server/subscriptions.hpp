#pragma once
// Event routing from the pipeline's responder thread to sessions, with conflation.
//
// Each session owns an EventMailbox. The responder pushes events into the mailboxes of
// the sessions subscribed to an event's lot, category or account. The session's I/O
// strand takes them out and writes them. While the session is slow (its outbound bytes
// are over the conflation threshold) or its mailbox holds pending_max events, new
// events replace the previous event of the same stream instead of queueing, where a
// stream is (subscription kind, key, event type). The next take() returns the latest
// event per stream and the number replaced, and the session sends a `conflated` notice
// before them. Memory per mailbox is therefore bounded by pending_max plus one event
// per stream subscribed.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "api/protocol.hpp"
#include "engine/common/context.hpp"

namespace jubian::server {

class EventMailbox {
 public:
  explicit EventMailbox(size_t pending_max) : pending_max_(pending_max) { pending_.reserve(pending_max); }

  // Producer side. Returns true when the consumer must be woken (the mailbox was empty).
  bool push(const Event& event, protocol::SubscriptionKind kind, uint64_t key, uint64_t ordinal);

  struct Batch {
    std::vector<Event> events;     // in sequence order
    uint64_t events_replaced = 0;  // non-zero: send a conflated notice before the events
    uint32_t latest_count = 0;     // events at the end of `events` that are latest-state
  };

  // Consumer side: moves everything ready into `batch` (cleared first).
  void take(Batch& batch);

  // Consumer side: while slow, new events conflate even below pending_max.
  void set_slow(bool slow);

  // Consumer side: the function push()'s caller runs when push() returns true.
  std::function<void()> wake;

 private:
  using StreamKey = std::tuple<uint8_t, uint64_t, uint16_t>;

  void conflate_locked(const Event& event, StreamKey key);

  const size_t pending_max_;
  std::mutex mutex_;
  std::vector<Event> pending_;
  std::map<StreamKey, Event> latest_;
  uint64_t replaced_ = 0;
  uint64_t last_ordinal_ = 0;  // one event reaches a mailbox once, however many subscriptions match
  bool slow_ = false;
  bool wake_requested_ = false;
};

// The subscription table: mailboxes by lot, category and account. route() runs on the
// responder thread under a shared lock; add and remove take it exclusively.
class SubscriptionRegistry {
 public:
  void add(protocol::Subscription subscription, const std::shared_ptr<EventMailbox>& mailbox);
  // Returns false when the mailbox had no such subscription.
  bool remove(protocol::Subscription subscription, const EventMailbox* mailbox);

  // Pushes each event into every subscribed mailbox and wakes the ones that need it.
  // Returns the number of deliveries.
  uint64_t route(std::span<const Event> events);

  size_t subscription_count() const;

 private:
  using Key = std::pair<uint8_t, uint64_t>;
  struct KeyHash {
    size_t operator()(const Key& key) const noexcept { return std::hash<uint64_t>{}(key.second * 4 + key.first); }
  };

  uint64_t deliver(protocol::SubscriptionKind kind, uint64_t key, const Event& event, uint64_t ordinal,
                   std::vector<EventMailbox*>& to_wake) const;

  mutable std::shared_mutex mutex_;
  std::unordered_map<Key, std::vector<std::shared_ptr<EventMailbox>>, KeyHash> subscribers_;
  uint64_t next_ordinal_ = 1;  // only route() touches it, and only the responder thread calls route()
  std::vector<EventMailbox*> to_wake_;
};

}  // namespace jubian::server
