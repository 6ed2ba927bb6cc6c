#pragma once
// The matching core of the technology market: one shard's books of supply and demand
// listings, matched by price and time under technology constraints.
//
// A Market is a deterministic state machine. It runs on one thread (its shard's
// writer), reads no clock (time is Context::stamp.time_ns), does no I/O and takes no
// locks. Listings and price levels live in pools sized from MarketConfig at
// construction, so adding, matching and cancelling a listing do not allocate once the
// book sides' level arrays have grown to their working size.
//
// Listing ids: the market assigns every listing the id (seq << 16) | slot, where seq is
// the sequence number of the listing_add command and slot is the category's position in
// the sorted category table. category_of() recovers the category from an id, so the
// pipeline routes cancel, amend and broker commands to the owning shard without an index
// of its own.

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/common/context.hpp"
#include "engine/common/sha256.hpp"
#include "engine/market/codes.hpp"
#include "engine/market/commands.hpp"
#include "engine/market/huge_page_allocator.hpp"
#include "engine/market/slot_index.hpp"

namespace jubian::market {

inline constexpr uint32_t kCategorySlotsMax = 1u << 16;  // the slot field of a listing id
inline constexpr uint32_t kTradesPerCommandMax = (1u << 16) - 1;  // the index field of a trade id
inline constexpr uint32_t kBookDepthMax = 1000;
inline constexpr uint8_t kMaturityMin = 1;
inline constexpr uint8_t kMaturityMax = 9;

struct MarketConfig {
  uint32_t listings_max = 1u << 20;           // open listings of one shard (pool size)
  uint32_t categories_max = 4096;             // entries of the category table, below kCategorySlotsMax
  uint32_t proposals_top_k = 5;               // counterparties proposed to an indicative listing
  uint32_t levels_reserved_per_side = 256;    // initial capacity of each book side's level array
  uint32_t trades_per_command_max = kTradesPerCommandMax;
  uint32_t broker_trades_kept = 64;           // recent trade ids per broker kept for broker_report
};

// Reply values[3] of listing_add and listing_amend: why the listing is not (or no longer) open.
enum class ListingOutcome : int64_t {
  open_or_filled = 0,           // resting with its open quantity, or completely filled
  ioc_remainder_cancelled = 1,  // immediate-or-cancel: the unfilled rest was cancelled
  self_trade_cancelled = 2,     // the next match was the owner's own listing
  trades_limit_cancelled = 3,   // trades_per_command_max reached
  amended_out = 4,              // amended to a quantity at or below the filled amount
};

// Event::reason of listing_removed, listing_changed and broker_claim events.
enum class RemovalReason : uint16_t { filled = 1, cancelled = 2, expired = 3, amended_out = 4, requeued = 5 };
enum class ChangeReason : uint16_t { partly_filled = 1, amended = 2 };
enum class BrokerChange : uint16_t { claimed = 1, released = 2, reassigned = 3 };

// One listing in the pool: 128 bytes, two cache lines, with what matching reads of a
// resting listing in the first. Open listings rest on a book side; a free slot is on
// the free list.
struct alignas(64) Listing {
  PriceFen price = 0;
  Quantity quantity = 0;       // total quantity, the filled part included
  Quantity filled = 0;
  uint32_t prev = kNoIndex;    // neighbours in the level's FIFO list; next also links the free list
  uint32_t next = kNoIndex;
  uint32_t level = kNoIndex;
  uint32_t heap_slot = kNoIndex;  // position in the expiry heap, kNoIndex without expiry
  Side side = Side::supply;
  Firmness firmness = Firmness::firm;
  TimeInForce time_in_force = TimeInForce::good_till_expiry;
  uint8_t maturity = 0;
  uint8_t modes = 0;
  bool open = false;
  AccountId owner;
  AccountId broker;
  ListingId id;
  ListingId client_id;
  TimeNs expiry_ns = 0;
  Seq priority_seq = 0;        // sequence of the add or of the amend that last requeued it
  TagSet tags{};

  Quantity open_quantity() const { return quantity - filled; }
  uint32_t slot() const { return static_cast<uint32_t>(id.value & 0xFFFFu); }  // category slot
};
static_assert(sizeof(Listing) == 128);

class Market {
 public:
  // Throws std::invalid_argument when the category table is larger than categories_max
  // or not below kCategorySlotsMax, or when shard_index is not below shard_count.
  Market(const MarketConfig& config, std::span<const uint32_t> valid_categories, uint32_t shard_index = 0,
         uint32_t shard_count = 1);

  bool owns(CategoryId category) const;
  // The category encoded in a listing id, or nullopt when the slot is not in the table.
  std::optional<CategoryId> category_of(ListingId listing) const;

  // Each apply() emits events through ctx.emit and trades into *ctx.trades (when set).
  [[nodiscard]] Reply apply(const ListingAdd& add, const Context& ctx);
  [[nodiscard]] Reply apply(const ListingCancel& cancel, const Context& ctx);
  [[nodiscard]] Reply apply(const ListingAmend& amend, const Context& ctx);
  [[nodiscard]] Reply apply(const BrokerClaim& claim, const Context& ctx);
  [[nodiscard]] Reply apply(const BrokerRelease& release, const Context& ctx);
  [[nodiscard]] Reply apply(const BrokerReassign& reassign, const Context& ctx);
  [[nodiscard]] Reply apply(const BookQuery& query, const Context& ctx) const;
  [[nodiscard]] Reply apply(const BrokerReport& report, const Context& ctx) const;

  // Starts loading the index entries a later apply() of this command will read. A
  // caller that sees the next commands of its ring (the pipeline's market stage, the
  // benchmark) calls these a command or two ahead, so those cache misses overlap with
  // the current command's work. They change no state.
  void prefetch(const ListingAdd& add, AccountId actor) const;
  void prefetch(const ListingCancel& cancel) const;

  // Removes every listing whose expiry is at or before the stamp's time.
  void on_tick(const Context& ctx);

  void hash(Sha256& sha) const;
  void save(std::vector<uint8_t>& out) const;
  // Replaces the state with a saved one. Returns false and leaves the state unchanged
  // when the bytes are not a valid snapshot of a market with this category table and sharding.
  [[nodiscard]] bool load(std::span<const uint8_t> bytes);

  size_t open_listings() const { return open_count_; }
  const Listing* find(ListingId listing) const;

  // Calls f(const Listing&) for every open listing, in pool order.
  template <class F>
  void for_each_open(F&& f) const {
    for (const Listing& listing : listings_)
      if (listing.open) f(listing);
  }

 private:
  struct Level {
    PriceFen price = 0;
    Quantity open = 0;
    uint32_t head = kNoIndex;
    uint32_t tail = kNoIndex;
    uint32_t count = 0;
    uint32_t next_free = kNoIndex;
  };
  // A price level in a book side's array, sorted by key descending so the best is last.
  // The key is the price for supply and minus the price for demand.
  struct LevelRef {
    int64_t key;
    uint32_t level;
  };
  struct BookSide {
    std::vector<LevelRef> levels;
  };
  struct Book {
    std::array<BookSide, 4> sides;  // firm supply, firm demand, indicative supply, indicative demand
  };
  struct MatchState {
    uint32_t trades = 0;
  };
  struct Candidate {
    int64_t key;
    Seq priority_seq;
    uint32_t index;
  };
  struct BrokerStats {
    uint64_t trades = 0;
    Quantity quantity = 0;
    PriceFen amount = 0;
    std::vector<TradeId> recent;  // ring of the last broker_trades_kept trade ids
    uint64_t recent_next = 0;
  };

  // Validation (market_validate.cpp).
  ResultCode validate(const ListingAdd& add, const Context& ctx, uint32_t& slot) const;
  uint32_t slot_of(CategoryId category) const;  // kNoIndex when the category is not in the table
  uint32_t find_open(ListingId listing) const;
  uint32_t find_client(AccountId owner, ListingId client_id) const;

  // Matching (market_match.cpp).
  Reply enter(uint32_t index, const Context& ctx);
  ListingOutcome match(Listing& incoming, const Context& ctx, MatchState& state);
  ListingOutcome match_level(Listing& incoming, BookSide& side, size_t position, const Context& ctx,
                             MatchState& state);
  void fill(Listing& incoming, uint32_t resting_index, const Context& ctx, MatchState& state);
  void record_broker_trade(AccountId broker, const Trade& trade);

  // Proposals (market_propose.cpp).
  void propose(uint32_t index, const Context& ctx);
  void collect(const Listing& incoming, const BookSide& side, TimeNs now, std::vector<Candidate>& out) const;
  void emit_proposal(const Listing& incoming, const Listing& other, uint16_t rank, const Context& ctx) const;

  // Book structure (market_book.cpp).
  BookSide& side_of(uint32_t slot, Firmness firmness, Side side);
  const BookSide& side_of(uint32_t slot, Firmness firmness, Side side) const;
  void rest(uint32_t index, const Context& ctx, bool emit_event);
  void unlink(uint32_t index);
  void remove(uint32_t index, RemovalReason reason, const Context& ctx);
  uint32_t allocate_listing();
  void release_listing(uint32_t index);
  uint32_t level_for(BookSide& side, Side listing_side, PriceFen price);
  void drop_level(BookSide& side, Side listing_side, PriceFen price);
  void heap_push(uint32_t index);
  void heap_erase(uint32_t index);
  void heap_sift_up(uint32_t position);
  void heap_sift_down(uint32_t position);
  bool heap_less(uint32_t a, uint32_t b) const;
  void emit_listing(EventType type, uint16_t reason, const Listing& listing, const Context& ctx) const;
  void reset();

  MarketConfig config_;
  // Category codes below this are looked up in a direct table instead of by binary search.
  static constexpr uint32_t kDirectCategoryCodesMax = 1u << 16;
  static constexpr uint16_t kNoSlot = UINT16_MAX;

  std::vector<uint32_t> categories_;  // sorted; a category's slot is its position here
  std::vector<uint16_t> slot_by_code_;  // slot of each code, kNoSlot when absent; empty for large codes
  uint32_t shard_index_;
  uint32_t shard_count_;

  HugePageVector<Listing> listings_;
  uint32_t free_listing_ = kNoIndex;
  size_t open_count_ = 0;
  HugePageVector<Level> levels_;
  uint32_t free_level_ = kNoIndex;
  std::vector<Book> books_;           // by category slot
  SlotIndex by_id_;
  SlotIndex by_client_;
  std::vector<uint32_t> expiry_heap_; // listing indexes, earliest (expiry, id) first
  std::vector<Candidate> candidates_; // scratch for proposals, reserved at construction
  std::unordered_map<uint64_t, BrokerStats> brokers_;
};

// Reads config/categories.tsv: code<TAB>name_zh<TAB>name_en per line, '#' comments and a
// header line whose first field is not a number. Throws std::runtime_error naming the
// file and line when the file cannot be read or a code is invalid or repeated.
std::vector<uint32_t> load_categories(const std::filesystem::path& tsv);

// The shard that owns a category, for the pipeline's routing.
inline uint32_t shard_of(CategoryId category, uint32_t shard_count) { return category.value % shard_count; }

}  // namespace jubian::market
