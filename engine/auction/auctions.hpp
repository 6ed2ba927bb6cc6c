#pragma once
// Auctions: listing transactions, English, Dutch and sealed-bid auctions, inquiries and
// agreements under public notice, as one deterministic state machine.
//
// The pipeline's auction stage is the only thread that calls it. It reads no clock, does
// no I/O and takes no locks. The only time it uses is ctx.stamp.time_ns, so a replay of
// the sequenced stream gives the same events, trades and state hash. A command that returns
// a code other than ok has changed nothing.

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/auction/codes.hpp"
#include "engine/auction/commands.hpp"
#include "engine/common/context.hpp"
#include "engine/common/sha256.hpp"

namespace jubian::auction {

struct AuctionConfig {
  uint32_t lots_max = 100'000;            // lots, inquiries and agreements, open or closed
  uint32_t bids_per_lot_max = 100'000;    // accepted bids, sealed bids, intents, quotes or objections per lot
  // (lot, bidder) pairs. A roadshow of 10,000 bidders each qualified on 200 lots needs 2,000,000.
  uint32_t qualifications_max = 4'000'000;
};

// Phase numbers are published in Event::reason of lot_phase events and in lot_status.
enum class LotPhase : uint8_t {
  pending = 0,    // before start_ns
  notice = 1,     // listing or agreement notice period
  free = 2,       // English free bidding
  timed = 3,      // English timed bidding, where each accepted bid restarts the countdown
  open = 4,       // Dutch clock running, sealed bids or quotes being taken
  awaiting = 5,   // inquiry past its deadline, waiting for the buyer's choice
  suspended = 6,  // agreement with an objection, waiting for the operator
  closed = 7,
};

// Published in Event::reason of lot_result events.
enum class LotResult : uint8_t { none = 0, sold = 1, no_sale = 2, cancelled = 3 };

// Event::reason of lot_bid events.
enum BidReason : uint16_t { bid_direct = 0, bid_proxy = 1, bid_sealed = 2, bid_intent = 3, bid_quote = 4, bid_objection = 5 };

// A sealed bid, listing intent, inquiry quote or agreement objection, in arrival order.
struct Entry {
  AccountId account;
  PriceFen price = 0;     // sealed bid or quote, 0 for intents and objections
  Seq seq = 0;            // when it arrived (or, for a quote, was last revised)
  uint8_t admitted = 0;   // intents: 1 when qualified at the end of the notice period

  template <class V>
  void visit(V& v) { v("account", account); v("price", price); v("seq", seq); v("admitted", admitted); }
};

struct Lot {
  LotId id;
  LotFormat format = LotFormat::english;
  LotPhase phase = LotPhase::pending;   // the last phase announced by an event
  LotResult result = LotResult::none;
  uint8_t mode = 0;
  CategoryId category;
  AccountId seller;                     // 0 for an inquiry until a quote is accepted
  AccountId buyer;                      // inquiry creator or agreement buyer, 0 for lots
  AccountId seller_broker;
  Quantity quantity = 0;
  PriceFen start_price = 0;
  PriceFen reserve_price = 0;
  PriceFen increment = 0;
  PriceFen cap_price = 0;
  PriceFen dutch_step = 0;
  TimeNs dutch_interval_ns = 0;
  PriceFen dutch_floor = 0;
  TimeNs countdown_ns = 0;
  TimeNs auction_free_ns = 0;
  TimeNs start_ns = 0;                  // bidding opens (a listing's auction: the notice end)
  TimeNs free_end_ns = 0;               // English: the timed phase begins
  TimeNs end_ns = 0;                    // exclusive end of the current window, moved by the countdown
  PriceFen high_price = 0;              // English leading price, or the Dutch clock price last announced
  AccountId leader;
  PriceFen leader_max = 0;              // the leader's proxy maximum (at least high_price)
  Seq leader_seq = 0;                   // when leader_max was set: the earlier one wins equal maxima
  uint32_t bid_count = 0;
  PriceFen final_price = 0;
  AccountId winner;
  TradeId trade;

  template <class V>
  void visit(V& v) {
    v("id", id); v("format", format); v("phase", phase); v("result", result); v("mode", mode);
    v("category", category); v("seller", seller); v("buyer", buyer); v("seller_broker", seller_broker);
    v("quantity", quantity); v("start_price", start_price); v("reserve_price", reserve_price);
    v("increment", increment); v("cap_price", cap_price); v("dutch_step", dutch_step);
    v("dutch_interval_ns", dutch_interval_ns); v("dutch_floor", dutch_floor); v("countdown_ns", countdown_ns);
    v("auction_free_ns", auction_free_ns); v("start_ns", start_ns); v("free_end_ns", free_end_ns);
    v("end_ns", end_ns); v("high_price", high_price); v("leader", leader); v("leader_max", leader_max);
    v("leader_seq", leader_seq); v("bid_count", bid_count); v("final_price", final_price);
    v("winner", winner); v("trade", trade);
  }
};

// The masked form of an account id shown on public screens: "***" and the last three digits.
std::string mask_account(AccountId account);

// Aborts with the lot's state printed: for broken invariants only, never for bad input.
[[noreturn]] void abort_on_broken_lot(const Lot& lot, std::string_view what);

// True when price * quantity fits in int64 fen.
bool amount_fits(PriceFen price, Quantity quantity);

class Auctions {
 public:
  explicit Auctions(const AuctionConfig& config);

  [[nodiscard]] Reply apply(const LotCreate& command, const Context& ctx);
  [[nodiscard]] Reply apply(const LotQualify& command, const Context& ctx);
  [[nodiscard]] Reply apply(const Bid& command, const Context& ctx);
  [[nodiscard]] Reply apply(const DutchAccept& command, const Context& ctx);
  [[nodiscard]] Reply apply(const SealedBid& command, const Context& ctx);
  [[nodiscard]] Reply apply(const ListingIntent& command, const Context& ctx);
  [[nodiscard]] Reply apply(const InquiryCreate& command, const Context& ctx);
  [[nodiscard]] Reply apply(const InquiryQuote& command, const Context& ctx);
  [[nodiscard]] Reply apply(const InquiryAccept& command, const Context& ctx);
  [[nodiscard]] Reply apply(const InquiryClose& command, const Context& ctx);
  [[nodiscard]] Reply apply(const AgreementPublish& command, const Context& ctx);
  [[nodiscard]] Reply apply(const AgreementObject& command, const Context& ctx);
  [[nodiscard]] Reply apply(const AgreementResolve& command, const Context& ctx);
  [[nodiscard]] Reply apply(const LotStatus& command, const Context& ctx) const;

  // Runs every timer due at ctx.stamp.time_ns, lot by lot in creation order: phase
  // changes, countdown ends, Dutch clock steps, sealed closes and notice ends.
  void on_tick(const Context& ctx);

  // The state hash is SHA-256 over the snapshot bytes, so equal hashes mean equal state.
  void hash(Sha256& sha) const;
  void save(std::vector<uint8_t>& out) const;
  // Replaces the state with a snapshot. Returns false, with the state unchanged, when the
  // snapshot is damaged or exceeds the configured limits.
  [[nodiscard]] bool load(std::span<const uint8_t> in);

  const Lot* find(LotId id) const;
  size_t lot_count() const { return lots_.size(); }

 private:
  struct QualificationKey {
    uint64_t lot;
    uint64_t account;
    bool operator==(const QualificationKey&) const = default;
  };
  struct QualificationHash {
    size_t operator()(const QualificationKey& key) const noexcept;
  };

  Lot* find_mutable(LotId id);
  uint32_t slot_of(const Lot& lot) const { return static_cast<uint32_t>(&lot - lots_.data()); }
  bool qualified(const Lot& lot, AccountId account) const;
  ResultCode check_new_lot(LotId id) const;
  Lot& add_lot(const Lot& lot, const Context& ctx);

  // Bidding (bidding.cpp).
  ResultCode check_english_bid(const Lot& lot, const Bid& bid, const Context& ctx) const;
  void race(Lot& lot, AccountId bidder, PriceFen price, PriceFen bidder_max, const Context& ctx);
  void lift_to_reserve(Lot& lot, const Context& ctx);
  void close_english(Lot& lot, const Context& ctx);
  void close_sealed(Lot& lot, const Context& ctx);
  void end_notice(Lot& lot, const Context& ctx);
  void step_dutch(Lot& lot, const Context& ctx);
  bool has_admitted_intent(const Lot& lot, AccountId account) const;

  // Inquiries and agreements (inquiry.cpp).
  void end_quoting(Lot& lot, const Context& ctx);

  // Shared steps of every format (auctions.cpp).
  void announce_phase(Lot& lot, const Context& ctx);
  void tick_lot(Lot& lot, const Context& ctx);
  void settle(Lot& lot, AccountId buyer, AccountId seller, PriceFen price, PriceDiscovery how, const Context& ctx);
  void finish(Lot& lot, LotResult result, const Context& ctx);
  void emit(const Lot& lot, EventType type, uint16_t reason, AccountId account, PriceFen price, int64_t aux,
            const Context& ctx) const;

  AuctionConfig config_;
  std::vector<Lot> lots_;                          // in creation order, so a lot's slot never changes
  std::vector<std::vector<Entry>> entries_;        // per slot
  std::unordered_map<uint64_t, uint32_t> slot_of_; // lot id -> slot
  std::vector<uint32_t> active_;                   // slots without a result, ascending
  std::unordered_set<QualificationKey, QualificationHash> qualified_;
};

// Returns the Dutch clock price at time t: the start price minus one step per whole
// interval, never below the floor.
PriceFen dutch_price(const Lot& lot, TimeNs t);

// Returns the phase that time alone gives a lot (English free or timed, Dutch and sealed
// open). Inquiries and agreements change phase only by command, so they return the stored one.
LotPhase phase_at(const Lot& lot, TimeNs t);

std::string_view format_name(LotFormat format);
std::string_view phase_name(LotPhase phase);
std::string_view result_name(LotResult result);

}  // namespace jubian::auction
