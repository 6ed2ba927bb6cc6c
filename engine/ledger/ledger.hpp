#pragma once
// The innovation-points ledger: a deterministic, double-entry state machine over the
// sequenced command stream. It never reads a clock and never does I/O while applying;
// time comes from Context::stamp.
//
// Sharding. Every shard receives every ledger command and owns the balances of the
// accounts with owner_shard(id) == shard_index: a unit by id % shard_count, an individual
// by its unit's shard, because an individual's earnings credit its unit's balance. The
// account directory (id, kind, unit, broker links) is replicated on every shard. System
// accounts (issuance, revenue, redemption, expiry, transit) are striped: each shard keeps its own
// stripe, and the balances of one shard always sum to zero.
//
// Replies. apply() returns a Reply when this shard decides the command, std::nullopt when
// it has nothing to report. The decider is the owner shard of the command's account
// (recipient, actor or debit account). Two-sided awards whose parties sit on different
// shards get a partial reply from each party's shard. redemption_settle, year_close and
// rule_totals get a reply from every shard. merge_replies() combines them: the first
// non-ok code wins, values are summed; detail texts are concatenated in shard order.
//
// Cross-shard transfers. With shard_count > 1 every shard needs ctx.cross: the debit
// shard decides and publishes; every other shard awaits the decision, so that all shards
// record the transfer id only when the transfer succeeds.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/common/context.hpp"
#include "engine/common/sharded_map.hpp"
#include "engine/common/sha256.hpp"
#include "engine/ledger/codes.hpp"
#include "engine/ledger/commands.hpp"
#include "engine/ledger/flat_index.hpp"
#include "engine/ledger/rules.hpp"

namespace jubian::ledger {

// Fixed policy figures that are not award rules.
inline constexpr Points kRedemptionThreshold = 100'000;    // balance needed before redeeming
inline constexpr Points kRedemptionYearCap = 2'000'000;    // yuan per unit per CST year (1 point = 1 yuan)
inline constexpr Points kExpiryThreshold = 100'000;        // two-year earnings under this clear the balance
inline constexpr size_t kHistoryLength = 64;               // movements kept per balance account
inline constexpr size_t kHistoryFirstCapacity = 8;         // history entries allocated on an account's first movement
inline constexpr uint64_t kSystemAccountMax = 15;          // ids 0-15 are reserved

// transit carries a cross-shard transfer between its two shards, so that the balances
// of every shard sum to zero. Its stripes sum to zero over all shards.
enum class SystemAccount : uint8_t { issuance = 0, revenue = 1, redemption = 2, expiry = 3, transit = 4 };
inline constexpr size_t kSystemAccountCount = 5;
inline constexpr AccountId system_account_id(SystemAccount account) { return AccountId{static_cast<uint64_t>(account) + 1}; }

enum class AccountKind : uint8_t { unit = 1, individual = 2 };

// Kind of a history entry: an award of rule `kind` (1-28), or one of these.
enum MovementKind : uint16_t {
  movement_spend = 100, movement_transfer = 101, movement_hold_post = 102, movement_redemption = 103, movement_expiry = 104,
};

struct Movement {
  Seq seq = 0;
  TimeNs time_ns = 0;
  AccountId counterparty;   // the other account, or the individual an award is attributed to
  Points amount = 0;        // signed: + credit, - debit
  uint16_t kind = 0;
};

// One registered account. The directory part is the same on every shard; the state part
// is kept only on the owner shard (zero elsewhere). The fields that every spend and award
// touches come first, in one cache line.
struct alignas(64) Account {
  AccountId id;
  AccountId unit;             // an individual's unit; a unit's own id
  Points balance = 0;         // units only; an individual's points sit in its unit's balance
  Points held = 0;            // part of balance reserved by holds and redemption requests
  AccountKind kind = AccountKind::unit;
  UnitKind unit_kind = UnitKind::other;
  TitleLevel title = TitleLevel::none;
  bool broker = false;
  uint8_t history_next = 0;   // once history is full, the oldest entry, overwritten next
  // The last kHistoryLength movements. The vector grows to the bound, so quiet accounts
  // stay small.
  std::vector<Movement> history;

  int32_t earned_year = 0;    // CST year of earned[0]
  int32_t registered_year = 0;
  std::array<Points, 3> earned{};   // reward points earned in earned_year, -1, -2

  AccountId service_institution;
  AccountId training_base;
  AccountId cultivation_base;
  int32_t redeem_year = 0;
  Points redeemed_in_year = 0;      // requested in redeem_year, pending or paid
  Points attributed_total = 0;      // individuals: points earned for the unit, ever
  Points attributed_outstanding = 0;  // individuals: not yet paid out or cleared
  std::vector<uint32_t> members;    // units on the owner shard: indices of its individuals

  // A history entry by age: 0 is the oldest kept movement.
  const Movement& movement(size_t age_order) const { return history[(history_next + age_order) % history.size()]; }
};
static_assert(kHistoryLength <= 256, "history_next is one byte");

class Ledger {
 public:
  explicit Ledger(const RuleTable& rules, uint32_t shard_index = 0, uint32_t shard_count = 1);

  std::optional<Reply> apply(const RegisterUnit& command, const Context& ctx);
  std::optional<Reply> apply(const RegisterIndividual& command, const Context& ctx);
  std::optional<Reply> apply(const RegisterBroker& command, const Context& ctx);
  std::optional<Reply> apply(const Login& command, const Context& ctx);
  std::optional<Reply> apply(const Award& command, const Context& ctx);
  // Starts loading the cap counter that apply() will read for this award; a hint only.
  void prefetch(const Award& command) const;
  std::optional<Reply> apply(const Spend& command, const Context& ctx);
  std::optional<Reply> apply(const Transfer& command, const Context& ctx);
  std::optional<Reply> apply(const HoldCreate& command, const Context& ctx);
  std::optional<Reply> apply(const HoldPost& command, const Context& ctx);
  std::optional<Reply> apply(const HoldVoid& command, const Context& ctx);
  std::optional<Reply> apply(const RedeemRequest& command, const Context& ctx);
  std::optional<Reply> apply(const RedemptionSettle& command, const Context& ctx);
  std::optional<Reply> apply(const YearClose& command, const Context& ctx);
  std::optional<Reply> apply(const AccountReport& command, const Context& ctx);
  std::optional<Reply> apply(const RuleTotals& command, const Context& ctx);

  // Pays the `trade` award (buyer and seller) and, for each distinct broker of the trade,
  // the `broker_chain` awards, each on its owner shard. Trade ids must arrive in
  // increasing order: a trade id at or below the last settled one is ignored (exactly
  // once across replays and duplicates). Returns false when the trade was ignored.
  bool settle(const Trade& trade, const Context& ctx);

  // Pays `daily_publish` to the owner of a valid new listing (once per CST business day).
  // Returns the points credited on the owner shard, 0 elsewhere or when already paid.
  Points award_publish(AccountId owner, const Context& ctx);

  // Expires holds whose timeout is at or before ctx.stamp.time_ns.
  void on_tick(const Context& ctx);

  // Pre-checks for the core, computed from the replicated directory on any shard.
  bool account_exists(AccountId id) const;
  bool is_broker(AccountId id) const;
  bool is_unit(AccountId id) const;
  uint32_t owner_shard(AccountId id) const;
  bool owns(AccountId id) const { return owner_shard(id) == shard_index_; }
  bool owns(const Account& account) const { return account.unit.value % shard_count_ == shard_index_; }

  // Inspection for reports and tests.
  const Account* find(AccountId id) const;
  Points balance(AccountId id) const;   // the balance holding this account's points
  Points system_balance(SystemAccount account) const { return system_[static_cast<size_t>(account)]; }
  void for_each_account(const std::function<void(const Account&)>& f) const;
  // Calls f(cap, used) for every per_event and per_year cap counter of this shard.
  void for_each_cap(const std::function<void(Points cap, Points used)>& f) const;
  uint32_t shard_index() const { return shard_index_; }
  uint32_t shard_count() const { return shard_count_; }

  // Canonical state digest. combined_hash() over all shards of one stream is the same
  // for any shard count; hash() is combined_hash() of this shard alone.
  void hash(Sha256& hasher) const;
  static Digest combined_hash(std::span<const Ledger* const> shards);

  // Snapshot of this shard. load() returns false on a damaged or foreign snapshot and
  // then leaves the ledger empty.
  void save(std::vector<uint8_t>& out) const;
  [[nodiscard]] bool load(std::span<const uint8_t> in);

  // Merges the shards' replies of one command (see the header comment).
  static std::optional<Reply> merge_replies(std::span<const std::optional<Reply>> replies);

 private:
  struct CapKey {
    uint64_t account = 0;
    uint64_t scope = 0;      // reference, CST year or 0
    uint16_t rule = 0;
    uint8_t side = 0;
    bool operator==(const CapKey&) const = default;
    auto operator<=>(const CapKey&) const = default;
  };
  struct CapKeyHash {
    size_t operator()(const CapKey& key) const noexcept;
  };
  enum class HoldState : uint8_t { active = 1, posted = 2, voided = 3, expired = 4 };
  struct Hold {
    AccountId holder;        // the balance account the hold reserves
    Points amount = 0;
    UseCode use = UseCode::service;
    TimeNs expires_ns = 0;   // 0 = no timeout
    HoldState state = HoldState::active;
  };
  using HoldKey = std::pair<uint64_t, uint64_t>;  // (actor, hold id)
  struct HoldKeyHash {
    size_t operator()(const HoldKey& key) const noexcept { return std::hash<uint64_t>{}(key.first * 0x9E3779B97F4A7C15ULL ^ key.second); }
  };
  struct Timeout {
    TimeNs expires_ns;
    uint64_t actor;
    uint64_t hold;
    auto operator<=>(const Timeout&) const = default;
  };
  struct Redemption {
    Seq seq = 0;
    TimeNs time_ns = 0;
    AccountId unit;
    Points points = 0;
  };
  struct TransferRecord {
    Transfer body;
    Reply reply;
  };
  struct Capped {
    Points credited = 0;
    Points trimmed = 0;
  };
  template <class V, class A>
  static void visit_account(V& v, A& account);
  void clear();
  bool read_snapshot(std::span<const uint8_t> in);

  // Directory.
  Account* lookup(AccountId id);
  const Account* lookup(AccountId id) const;
  Account& holder_of(Account& account);
  Account& add_account(const Account& account);
  std::optional<Reply> register_checked(const Account& account, const Context& ctx);

  // Awards (ledger_awards.cpp).
  ResultCode check_award(const Award& command, std::array<Points, 2>& points) const;
  Capped cap_award(const RuleSpec& spec, CapScope scope, uint8_t side, const Account& recipient, uint64_t reference,
                   Points points, const Context& ctx);
  Capped pay_award(const RuleSpec& spec, CapScope scope, uint8_t side, Account& recipient, uint64_t reference, Points points,
                   AccountId counterparty, const Context& ctx);
  void credit(Account& recipient, RuleId rule, Points points, AccountId counterparty, const Context& ctx);
  int32_t year_of(TimeNs time_ns) const;
  Points pay_broker_title(const Account& broker, const Context& ctx);
  void pay_broker_chain(AccountId broker, PriceFen amount, uint64_t reference, const Context& ctx);
  void pay_trade_side(AccountId party, uint8_t side, PriceFen amount, uint64_t reference, AccountId counterparty,
                      const Context& ctx);

  // Movements.
  void move(Account& holder, SystemAccount system, Points amount, uint16_t kind, AccountId counterparty, const Context& ctx);
  void record(Account& holder, Points amount, uint16_t kind, AccountId counterparty, const Context& ctx);
  std::optional<Reply> decide_transfer(const Transfer& command, const Context& ctx);
  ResultCode check_hold(const Hold* hold, const Context& ctx) const;
  std::string settle_redemption(const Redemption& request, int32_t year, uint8_t quarter, Points& rows, const Context& ctx);

  // Reports (ledger_periods.cpp).
  void write_account_report(const Account& account, std::string& out) const;
  void write_rule_totals(int64_t first_day, int64_t last_day, std::string& out, Points& total) const;

  // Builds an ok reply from scalars, so that no values array is copied through the stack.
  Reply reply(const Context& ctx, int64_t value0 = 0, int64_t value1 = 0, int64_t value2 = 0, int64_t value3 = 0) const;
  std::optional<Reply> reject_if_decider(ResultCode code, AccountId account, const Context& ctx) const;
  void roll_year(Account& account, int32_t year);

  const RuleTable rules_;
  const uint32_t shard_index_;
  const uint32_t shard_count_;

  std::vector<Account> accounts_;
  FlatIndex index_;
  std::array<Points, kSystemAccountCount> system_{};
  ShardedMap<CapKey, Points, CapKeyHash> caps_;  // grows with every award event, so sharded
  // NOTE: settled holds stay as tombstones so a late post gets hold_posted or
  // hold_voided; nothing prunes them yet.
  std::unordered_map<HoldKey, Hold, HoldKeyHash> holds_;
  std::priority_queue<Timeout, std::vector<Timeout>, std::greater<>> timeouts_;
  std::vector<Redemption> redemptions_;  // pending, in sequence order
  // NOTE: every successful transfer id is kept for ever, on every shard.
  std::unordered_map<uint64_t, TransferRecord> transfers_;
  std::map<int64_t, std::array<Points, kRuleCount>> rule_totals_;  // CST day -> points per rule
  std::array<Points, kRuleCount>* today_totals_ = nullptr;  // rule_totals_[today_], not saved
  int64_t today_ = INT64_MIN;
  mutable int64_t cached_day_ = INT64_MIN;  // year_of() cache, not saved
  mutable int32_t cached_year_ = 0;
  uint64_t last_trade_ = 0;
  int32_t last_closed_year_ = 0;
};

}  // namespace jubian::ledger
