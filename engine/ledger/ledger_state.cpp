// The ledger's canonical state hash, its snapshot format and the merge of shard replies.

#include <algorithm>

#include "engine/common/codec.hpp"
#include "engine/common/log.hpp"
#include "engine/ledger/ledger.hpp"

namespace jubian::ledger {

namespace {

constexpr uint64_t kSnapshotMagic = 0x3152454744454C4AULL;  // "JLEDGER1" in little-endian bytes; the 1 is the version
constexpr uint64_t kHashVersion = 1;

}  // namespace

size_t Ledger::CapKeyHash::operator()(const CapKey& key) const noexcept {
  uint64_t h = key.account * 0x9E3779B97F4A7C15ULL;
  h ^= (key.scope + 0x632BE59BD9B4E019ULL + (h << 6) + (h >> 2));
  h ^= (static_cast<uint64_t>(key.rule) << 8 | key.side) * 0xC2B2AE3D27D4EB4FULL;
  // Finalizer, so that every field reaches both the low bits (the table index) and the
  // top bits (the shard).
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  return static_cast<size_t>(h);
}

void Ledger::for_each_cap(const std::function<void(Points cap, Points used)>& f) const {
  for (const auto& [key, used] : caps_) {
    const RuleSpec& spec = rules_.at(static_cast<RuleId>(key.rule));
    const bool summed = spec.cap_scope == CapScope::per_event || spec.cap_scope == CapScope::per_account_per_year;
    if (summed && spec.parts[key.side].cap != 0) f(spec.parts[key.side].cap, used);
  }
}

std::optional<Reply> Ledger::merge_replies(std::span<const std::optional<Reply>> replies) {
  std::optional<Reply> merged;
  for (const auto& reply : replies) {
    if (!reply) continue;
    if (!merged) {
      merged = reply;
      continue;
    }
    if (merged->code == ResultCode::ok && reply->code != ResultCode::ok) merged->code = reply->code;
    for (size_t i = 0; i < merged->values.size(); ++i) merged->values[i] += reply->values[i];
  }
  return merged;
}

// ---------------------------------------------------------------------------------------
// Canonical hash: accounts in id order, with the directory of shard 0 and the state of
// the owner shard. System stripes, caps, holds, redemptions and rule totals are summed
// or gathered over all shards and sorted, so the digest does not depend on the shard count.

Digest Ledger::combined_hash(std::span<const Ledger* const> shards) {
  const Ledger& first = *shards.front();
  for (const Ledger* shard : shards)
    if (shard->shard_count_ != shards.size()) std::abort();

  Sha256 h;
  h.update_u64(kHashVersion);
  h.update_u64(first.last_trade_);
  h.update_u64(static_cast<uint64_t>(first.last_closed_year_));
  for (size_t i = 0; i < kSystemAccountCount; ++i) {
    Points sum = 0;
    for (const Ledger* shard : shards) sum += shard->system_[i];
    h.update_u64(static_cast<uint64_t>(sum));
  }

  std::vector<uint64_t> ids;
  ids.reserve(first.accounts_.size());
  for (const Account& account : first.accounts_) ids.push_back(account.id.value);
  std::sort(ids.begin(), ids.end());
  for (const uint64_t id : ids) {
    const Ledger& owner = *shards[first.owner_shard(AccountId{id})];
    const Account& account = *owner.lookup(AccountId{id});
    for (const uint64_t word : {account.id.value, static_cast<uint64_t>(account.kind), static_cast<uint64_t>(account.unit_kind),
                                static_cast<uint64_t>(account.title), static_cast<uint64_t>(account.broker), account.unit.value,
                                account.service_institution.value, account.training_base.value, account.cultivation_base.value,
                                static_cast<uint64_t>(account.registered_year), static_cast<uint64_t>(account.balance),
                                static_cast<uint64_t>(account.held), static_cast<uint64_t>(account.earned_year),
                                static_cast<uint64_t>(account.earned[0]), static_cast<uint64_t>(account.earned[1]),
                                static_cast<uint64_t>(account.earned[2]), static_cast<uint64_t>(account.redeem_year),
                                static_cast<uint64_t>(account.redeemed_in_year), static_cast<uint64_t>(account.attributed_total),
                                static_cast<uint64_t>(account.attributed_outstanding)})
      h.update_u64(word);
    h.update_u64(account.history.size());
    for (size_t i = 0; i < account.history.size(); ++i) {
      const Movement& m = account.movement(i);
      for (const uint64_t word : {m.seq, static_cast<uint64_t>(m.time_ns), m.counterparty.value, static_cast<uint64_t>(m.amount),
                                  static_cast<uint64_t>(m.kind)})
        h.update_u64(word);
    }
  }

  std::vector<std::pair<CapKey, Points>> caps;
  std::vector<std::tuple<HoldKey, AccountId, Points, uint8_t, TimeNs, uint8_t>> holds;
  std::vector<std::tuple<Seq, TimeNs, uint64_t, Points>> redemptions;
  std::map<int64_t, std::array<Points, kRuleCount>> totals;
  for (const Ledger* shard : shards) {
    for (const auto& entry : shard->caps_) caps.push_back(entry);
    for (const auto& [key, hold] : shard->holds_)
      holds.emplace_back(key, hold.holder, hold.amount, static_cast<uint8_t>(hold.use), hold.expires_ns, static_cast<uint8_t>(hold.state));
    for (const Redemption& r : shard->redemptions_) redemptions.emplace_back(r.seq, r.time_ns, r.unit.value, r.points);
    for (const auto& [day, points] : shard->rule_totals_)
      for (size_t i = 0; i < kRuleCount; ++i) totals[day][i] += points[i];
  }
  std::sort(caps.begin(), caps.end());
  std::sort(holds.begin(), holds.end());
  std::sort(redemptions.begin(), redemptions.end());

  h.update_u64(caps.size());
  for (const auto& [key, used] : caps)
    for (const uint64_t word : {key.account, key.scope, static_cast<uint64_t>(key.rule), static_cast<uint64_t>(key.side),
                                static_cast<uint64_t>(used)})
      h.update_u64(word);
  h.update_u64(holds.size());
  for (const auto& [key, holder, amount, use, expires, state] : holds)
    for (const uint64_t word : {key.first, key.second, holder.value, static_cast<uint64_t>(amount), static_cast<uint64_t>(use),
                                static_cast<uint64_t>(expires), static_cast<uint64_t>(state)})
      h.update_u64(word);
  h.update_u64(redemptions.size());
  for (const auto& [seq, time, unit, points] : redemptions)
    for (const uint64_t word : {seq, static_cast<uint64_t>(time), unit, static_cast<uint64_t>(points)}) h.update_u64(word);

  std::vector<uint64_t> transfer_ids;
  for (const auto& entry : first.transfers_) transfer_ids.push_back(entry.first);
  std::sort(transfer_ids.begin(), transfer_ids.end());
  h.update_u64(transfer_ids.size());
  for (const uint64_t id : transfer_ids) {
    const Transfer& t = first.transfers_.at(id).body;
    for (const uint64_t word : {id, t.from.value, t.to.value, static_cast<uint64_t>(t.amount), static_cast<uint64_t>(t.code), t.reference})
      h.update_u64(word);
  }

  for (const auto& [day, points] : totals) {
    if (std::all_of(points.begin(), points.end(), [](Points p) { return p == 0; })) continue;
    h.update_u64(static_cast<uint64_t>(day));
    for (const Points p : points) h.update_u64(static_cast<uint64_t>(p));
  }
  return h.finish();
}

void Ledger::hash(Sha256& hasher) const {
  const Ledger* self = this;
  const Digest digest = combined_hash(std::span<const Ledger* const>(&self, 1));
  hasher.update(digest);
}

// ---------------------------------------------------------------------------------------
// Snapshot. Layout (codec fields, little-endian):
//   snapshot := magic:u64 shard_index:u32 shard_count:u32 last_trade:u64 last_closed_year:i32
//               system:i64[5] accounts caps holds redemptions transfers totals
//   accounts := count:u64 (account-fields members:count:u64 u32* history:count:u32 movement*)*
//               movements oldest first
//   caps     := count:u64 (account:u64 scope:u64 rule:u16 side:u8 used:i64)*
//   holds    := count:u64 (actor:u64 hold:u64 holder:u64 amount:i64 use:u8 expires:i64 state:u8)*
//   redemptions := count:u64 (seq:u64 time:i64 unit:u64 points:i64)*
//   transfers := count:u64 (transfer-fields reply-fields)*
//   totals   := count:u64 (day:i64 points:i64[28])*

template <class V, class A>
void Ledger::visit_account(V& v, A& a) {
  v("id", a.id); v("kind", a.kind); v("unit_kind", a.unit_kind); v("title", a.title);
  uint8_t broker = a.broker ? 1 : 0;
  v("broker", broker);
  if constexpr (!std::is_const_v<A>) a.broker = broker != 0;
  v("unit", a.unit); v("service_institution", a.service_institution); v("training_base", a.training_base);
  v("cultivation_base", a.cultivation_base); v("registered_year", a.registered_year); v("balance", a.balance);
  v("held", a.held); v("earned_year", a.earned_year);
  for (auto& earned : a.earned) v("earned", earned);
  v("redeem_year", a.redeem_year); v("redeemed_in_year", a.redeemed_in_year); v("attributed_total", a.attributed_total);
  v("attributed_outstanding", a.attributed_outstanding);
}

void Ledger::save(std::vector<uint8_t>& out) const {
  codec::Writer w(out);
  w("magic", kSnapshotMagic); w("shard_index", shard_index_); w("shard_count", shard_count_);
  w("last_trade", last_trade_); w("last_closed_year", last_closed_year_);
  for (const Points p : system_) w("system", p);

  w("accounts", static_cast<uint64_t>(accounts_.size()));
  for (const Account& account : accounts_) {
    visit_account(w, account);
    w("members", static_cast<uint64_t>(account.members.size()));
    for (const uint32_t member : account.members) w("member", member);
    w("history_count", static_cast<uint32_t>(account.history.size()));
    for (size_t i = 0; i < account.history.size(); ++i) {
      const Movement& m = account.movement(i);
      w("seq", m.seq); w("time_ns", m.time_ns); w("counterparty", m.counterparty); w("amount", m.amount); w("kind", m.kind);
    }
  }

  w("caps", static_cast<uint64_t>(caps_.size()));
  for (const auto& [key, used] : caps_) {
    w("account", key.account); w("scope", key.scope); w("rule", key.rule); w("side", key.side); w("used", used);
  }
  w("holds", static_cast<uint64_t>(holds_.size()));
  for (const auto& [key, hold] : holds_) {
    w("actor", key.first); w("hold", key.second); w("holder", hold.holder); w("amount", hold.amount);
    w("use", hold.use); w("expires_ns", hold.expires_ns); w("state", hold.state);
  }
  w("redemptions", static_cast<uint64_t>(redemptions_.size()));
  for (const Redemption& r : redemptions_) {
    w("seq", r.seq); w("time_ns", r.time_ns); w("unit", r.unit); w("points", r.points);
  }
  w("transfers", static_cast<uint64_t>(transfers_.size()));
  for (const auto& [id, record] : transfers_) {
    const_cast<Transfer&>(record.body).visit(w);
    const_cast<Reply&>(record.reply).visit(w);
  }
  w("totals", static_cast<uint64_t>(rule_totals_.size()));
  for (const auto& [day, points] : rule_totals_) {
    w("day", day);
    for (const Points p : points) w("points", p);
  }
}

void Ledger::clear() {
  accounts_.clear();
  index_ = FlatIndex();
  system_ = {};
  caps_.clear();
  holds_.clear();
  timeouts_ = {};
  redemptions_.clear();
  transfers_.clear();
  rule_totals_.clear();
  today_totals_ = nullptr;
  today_ = INT64_MIN;
  last_trade_ = 0;
  last_closed_year_ = 0;
}

bool Ledger::read_snapshot(std::span<const uint8_t> in) {
  codec::Reader r(in);
  uint64_t magic = 0;
  uint32_t index = 0;
  uint32_t count = 0;
  r("magic", magic); r("shard_index", index); r("shard_count", count);
  if (!r.ok() || magic != kSnapshotMagic || index != shard_index_ || count != shard_count_) return false;
  r("last_trade", last_trade_); r("last_closed_year", last_closed_year_);
  for (Points& p : system_) r("system", p);

  // Counts are checked against the bytes left, so a damaged count cannot force a huge allocation.
  const auto plausible = [&](uint64_t n, size_t min_bytes) { return r.ok() && n <= (in.size() - r.consumed()) / min_bytes; };
  uint64_t n = 0;
  r("accounts", n);
  if (!plausible(n, 64)) return false;
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    Account account;
    visit_account(r, account);
    uint64_t members = 0;
    r("members", members);
    if (!plausible(members, 4) || account.id.value == 0 || index_.find(account.id.value) != FlatIndex::kMissing) break;
    account.members.resize(members);
    for (uint32_t& member : account.members) r("member", member);
    uint32_t history = 0;
    r("history_count", history);
    if (history > kHistoryLength) break;
    account.history.resize(history);
    for (Movement& m : account.history) {
      r("seq", m.seq); r("time_ns", m.time_ns); r("counterparty", m.counterparty); r("amount", m.amount); r("kind", m.kind);
    }
    add_account(account);
  }
  if (!r.ok() || accounts_.size() != n) return false;
  for (const Account& account : accounts_) {
    const Account* unit = lookup(account.unit);
    if (unit == nullptr || unit->kind != AccountKind::unit) return false;
    for (const uint32_t member : account.members)
      if (member >= accounts_.size()) return false;
  }

  r("caps", n);
  if (!plausible(n, 27)) return false;
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    CapKey key;
    Points used = 0;
    r("account", key.account); r("scope", key.scope); r("rule", key.rule); r("side", key.side); r("used", used);
    if (!RuleTable::valid(static_cast<RuleId>(key.rule)) || key.side > 1) return false;
    caps_[key] = used;
  }

  r("holds", n);
  if (!plausible(n, 42)) return false;
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    HoldKey key;
    Hold hold;
    r("actor", key.first); r("hold", key.second); r("holder", hold.holder); r("amount", hold.amount);
    r("use", hold.use); r("expires_ns", hold.expires_ns); r("state", hold.state);
    if (lookup(hold.holder) == nullptr) return false;
    holds_[key] = hold;
    if (hold.state == HoldState::active && hold.expires_ns != 0) timeouts_.push(Timeout{hold.expires_ns, key.first, key.second});
  }

  r("redemptions", n);
  if (!plausible(n, 32)) return false;
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    Redemption& red = redemptions_.emplace_back();
    r("seq", red.seq); r("time_ns", red.time_ns); r("unit", red.unit); r("points", red.points);
    if (r.ok() && lookup(red.unit) == nullptr) return false;
  }

  r("transfers", n);
  if (!plausible(n, 40)) return false;
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    TransferRecord record;
    record.body.visit(r);
    record.reply.visit(r);
    transfers_.emplace(record.body.id.value, record);
  }

  r("totals", n);
  if (!plausible(n, 8 + 8 * kRuleCount)) return false;
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    int64_t day = 0;
    r("day", day);
    auto& points = rule_totals_[day];
    for (Points& p : points) r("points", p);
  }
  return r.ok() && r.at_end();
}

bool Ledger::load(std::span<const uint8_t> in) {
  clear();
  if (read_snapshot(in)) return true;
  clear();
  logger("ledger")->error("snapshot_rejected: shard={} shard_count={} bytes={}", shard_index_, shard_count_, in.size());
  return false;
}

}  // namespace jubian::ledger
