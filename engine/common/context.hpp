#pragma once
// What every subsystem's apply() receives and produces: the command's stamp and actor,
// and the reply, market-data events and trades it emits. Subsystems append to the
// vectors, which the caller reserves and clears per command, so the steady state does
// not allocate.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "engine/common/result.hpp"
#include "engine/common/types.hpp"

namespace jubian {

// Who may send a command, checked by the gateway before it reaches the sequencer.
enum class Access : uint8_t {
  trader = 1,       // acts for the envelope's actor, which the session's token must list
  admin = 2,        // operator commands: rules, qualification, year close, settlement
  market_data = 3,  // read-only queries and subscriptions; any logged-in session
  system = 4,       // produced inside the engine (ticks); never accepted from a session
};

// The fixed-layout answer to one command. values[] carry the command's figures; each
// command documents what its values mean (for example an award: credited, trimmed).
struct Reply {
  ResultCode code = ResultCode::ok;
  Seq seq = 0;
  TimeNs time_ns = 0;
  std::array<int64_t, 4> values{};

  template <class V>
  void visit(V& v) {
    v("code", code);
    v("seq", seq);
    v("time_ns", time_ns);
    v("values", values);
  }
};

inline Reply reject(ResultCode code) { return Reply{code, 0, 0, {}}; }

// How a trade's price was found; printed on the trade voucher.
enum class PriceDiscovery : uint8_t { matching = 1, listing = 2, auction = 3, inquiry = 4, agreement = 5, dutch = 6, sealed = 7 };

// Transaction modes, a bit set: a listing accepts one or more of them.
enum ModeBits : uint8_t { mode_transfer = 1, mode_license = 2, mode_equity = 4 };
inline constexpr uint8_t kModeMask = mode_transfer | mode_license | mode_equity;

// A concluded trade, produced by the market or an auction and settled by the ledger.
struct Trade {
  TradeId id;               // (seq << 16) | index of the trade within its command
  CategoryId category;
  ListingId buy_listing;    // demand listing, or 0
  ListingId sell_listing;   // supply listing, or the lot id for auctions and inquiries
  AccountId buyer;
  AccountId seller;
  AccountId buyer_broker;   // 0 when no broker brought the buy side
  AccountId seller_broker;  // 0 when no broker brought the sell side
  uint8_t mode = 0;         // one ModeBits value
  PriceDiscovery discovery = PriceDiscovery::matching;
  PriceFen price = 0;       // per unit
  Quantity quantity = 0;
  PriceFen amount = 0;      // price * quantity, checked for overflow before the trade exists
  Seq seq = 0;
  TimeNs time_ns = 0;

  template <class V>
  void visit(V& v) {
    v("id", id); v("category", category); v("buy_listing", buy_listing); v("sell_listing", sell_listing);
    v("buyer", buyer); v("seller", seller); v("buyer_broker", buyer_broker); v("seller_broker", seller_broker);
    v("mode", mode); v("discovery", discovery); v("price", price); v("quantity", quantity);
    v("amount", amount); v("seq", seq); v("time_ns", time_ns);
  }
};

inline TradeId make_trade_id(Seq seq, uint32_t index) { return TradeId{(seq << 16) | index}; }

// Market-data and account events. The routing keys (category, lot, account) decide
// which subscriptions receive an event.
enum class EventType : uint16_t {
  listing_added = 1, listing_changed = 2, listing_removed = 3, trade = 4, proposal = 5, broker_claim = 6,
  lot_created = 20, lot_bid = 21, lot_phase = 22, lot_extended = 23, lot_countdown = 24, lot_result = 25,
  account_changed = 40, award = 41,
};

struct Event {
  EventType type = EventType::trade;
  uint16_t reason = 0;         // event-specific detail (removal cause, phase number, ...)
  CategoryId category;         // routing: category subscriptions, 0 when none
  LotId lot;                   // routing: lot subscriptions, 0 when none
  AccountId account;           // routing: account subscriptions, 0 when none
  AccountId counterparty;
  uint64_t subject = 0;        // listing, trade or lot id the event is about
  PriceFen price = 0;
  Quantity quantity = 0;
  int64_t aux = 0;             // event-specific figure (countdown end, leader mask, ...)
  Seq seq = 0;
  TimeNs time_ns = 0;

  template <class V>
  void visit(V& v) {
    v("type", type); v("reason", reason); v("category", category); v("lot", lot); v("account", account);
    v("counterparty", counterparty); v("subject", subject); v("price", price); v("quantity", quantity);
    v("aux", aux); v("seq", seq); v("time_ns", time_ns);
  }
};

// The meeting point of two ledger shards for one command that touches both (a transfer
// between accounts on different shards). The shard that owns the deciding account
// publishes the decision; the other waits for it. Only the shard threads of one slot
// touch it, and waits point only at the same sequence number, so they cannot deadlock.
struct CrossShardSlot {
  std::atomic<uint32_t> ready{0};
  ResultCode code = ResultCode::ok;
  int64_t amount = 0;

  void publish(ResultCode decided, int64_t decided_amount) {
    code = decided;
    amount = decided_amount;
    ready.store(1, std::memory_order_release);
  }
  void await() const {
    while (ready.load(std::memory_order_acquire) == 0) std::this_thread::yield();
  }
  void reset() { ready.store(0, std::memory_order_relaxed); }
};

// Passed to every apply(): inputs first, then the outputs.
struct Context {
  Stamp stamp;
  AccountId actor;
  RequestId request;
  std::vector<Event>* events = nullptr;
  std::vector<Trade>* trades = nullptr;
  std::string* detail = nullptr;      // variable-length answer of queries and reports (JSON or CSV text)
  CrossShardSlot* cross = nullptr;    // set by the pipeline when shards > 1

  void emit(const Event& event) const {
    if (events != nullptr) events->push_back(event);
  }
};

}  // namespace jubian
