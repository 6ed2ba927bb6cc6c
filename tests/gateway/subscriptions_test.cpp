// Event mailboxes and routing: ordered delivery, conflation of slow consumers, and
// one delivery per event however many subscriptions match.

#include <gtest/gtest.h>

#include "engine/server/subscriptions.hpp"

namespace jubian::server {
namespace {

using protocol::SubscriptionKind;

Event lot_event(uint64_t lot, EventType type, Seq seq, PriceFen price) {
  Event event;
  event.type = type;
  event.lot = LotId{lot};
  event.category = CategoryId{101};
  event.seq = seq;
  event.price = price;
  return event;
}

TEST(EventMailbox, DeliversInOrderBelowLimit) {
  EventMailbox mailbox(8);
  EXPECT_TRUE(mailbox.push(lot_event(1, EventType::lot_bid, 1, 100), SubscriptionKind::lot, 1, 1));
  EXPECT_FALSE(mailbox.push(lot_event(1, EventType::lot_bid, 2, 110), SubscriptionKind::lot, 1, 2))
      << "one wake per batch";
  EventMailbox::Batch batch;
  mailbox.take(batch);
  ASSERT_EQ(batch.events.size(), 2u);
  EXPECT_EQ(batch.events[0].price, 100);
  EXPECT_EQ(batch.events[1].price, 110);
  EXPECT_EQ(batch.events_replaced, 0u);
}

TEST(EventMailbox, SlowConsumerGetsLatestPerStream) {
  EventMailbox mailbox(1024);
  mailbox.set_slow(true);
  uint64_t ordinal = 0;
  for (int i = 0; i < 100; ++i) {
    mailbox.push(lot_event(1, EventType::lot_bid, 10 + i, 1000 + i), SubscriptionKind::lot, 1, ++ordinal);
    mailbox.push(lot_event(2, EventType::lot_bid, 10 + i, 2000 + i), SubscriptionKind::lot, 2, ++ordinal);
  }
  mailbox.push(lot_event(1, EventType::lot_result, 500, 1099), SubscriptionKind::lot, 1, ++ordinal);
  mailbox.set_slow(false);

  EventMailbox::Batch batch;
  mailbox.take(batch);
  ASSERT_EQ(batch.events.size(), 3u) << "lot 1 bid, lot 2 bid, lot 1 result";
  EXPECT_EQ(batch.latest_count, 3u);
  EXPECT_EQ(batch.events_replaced, 198u);
  EXPECT_EQ(batch.events[0].price, 1099);
  EXPECT_EQ(batch.events[1].price, 2099);
  EXPECT_EQ(batch.events[2].type, EventType::lot_result);
}

TEST(EventMailbox, FullMailboxConflatesWithoutGrowing) {
  EventMailbox mailbox(4);
  uint64_t ordinal = 0;
  for (int i = 0; i < 1000; ++i) mailbox.push(lot_event(1, EventType::lot_bid, i + 1, i), SubscriptionKind::lot, 1, ++ordinal);
  EventMailbox::Batch batch;
  mailbox.take(batch);
  ASSERT_EQ(batch.events.size(), 5u) << "four queued, then the latest";
  EXPECT_EQ(batch.events.back().price, 999);
  EXPECT_EQ(batch.latest_count, 1u);
  EXPECT_GT(batch.events_replaced, 0u);

  mailbox.push(lot_event(1, EventType::lot_bid, 2000, 5), SubscriptionKind::lot, 1, ++ordinal);
  mailbox.take(batch);
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.events_replaced, 0u) << "back to normal once drained";
}

TEST(SubscriptionRegistry, RoutesOnceAcrossMatchingSubscriptions) {
  SubscriptionRegistry registry;
  auto both = std::make_shared<EventMailbox>(16);
  auto category_only = std::make_shared<EventMailbox>(16);
  int wakes = 0;
  both->wake = [&] { ++wakes; };
  category_only->wake = [&] { ++wakes; };
  registry.add({SubscriptionKind::lot, 7}, both);
  registry.add({SubscriptionKind::category, 101}, both);
  registry.add({SubscriptionKind::category, 101}, category_only);

  const Event events[] = {lot_event(7, EventType::lot_bid, 1, 10), lot_event(8, EventType::lot_bid, 2, 20)};
  registry.route(events);
  EXPECT_EQ(wakes, 2);

  EventMailbox::Batch batch;
  both->take(batch);
  ASSERT_EQ(batch.events.size(), 2u) << "lot 7 once, lot 8 through the category";
  category_only->take(batch);
  EXPECT_EQ(batch.events.size(), 2u);

  EXPECT_TRUE(registry.remove({SubscriptionKind::lot, 7}, both.get()));
  EXPECT_FALSE(registry.remove({SubscriptionKind::lot, 7}, both.get()));
  EXPECT_EQ(registry.subscription_count(), 2u);
}

}  // namespace
}  // namespace jubian::server
