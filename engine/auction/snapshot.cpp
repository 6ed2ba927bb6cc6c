// Snapshot, state hash and the lot_status query.
//
// Grammar of a snapshot (engine/common/codec.hpp encodings, little-endian):
//   snapshot      := magic:u32 version:u16 lot_count:u32 lot_record* qual_count:u32 qualification*
//   lot_record    := lot (the fields of Lot::visit, in order) entry_count:u32 entry*
//   entry         := account:u64 price:i64 seq:u64 admitted:u8
//   qualification := lot:u64 account:u64          sorted by (lot, account)
// Lots are in creation order, so a loaded engine ticks them in the same order.

#include <fmt/format.h>

#include <algorithm>

#include "engine/auction/auctions.hpp"
#include "engine/common/codec.hpp"

namespace jubian::auction {

namespace {

constexpr uint32_t kSnapshotMagic = 0x31435541;  // "AUC1"
constexpr uint16_t kSnapshotVersion = 1;

bool lot_fields_valid(const Lot& lot) {
  const auto format = static_cast<uint8_t>(lot.format);
  return lot.id.value != 0 && format >= 1 && format <= static_cast<uint8_t>(LotFormat::agreement) &&
         lot.phase <= LotPhase::closed && lot.result <= LotResult::cancelled && lot.quantity > 0;
}

}  // namespace

void Auctions::save(std::vector<uint8_t>& out) const {
  codec::Writer writer(out);
  writer("magic", kSnapshotMagic);
  writer("version", kSnapshotVersion);
  writer("lot_count", static_cast<uint32_t>(lots_.size()));
  for (size_t slot = 0; slot < lots_.size(); ++slot) {
    codec::encode(lots_[slot], out);
    writer("entry_count", static_cast<uint32_t>(entries_[slot].size()));
    for (const Entry& entry : entries_[slot]) codec::encode(entry, out);
  }

  // The hash set iterates in no fixed order, so the snapshot sorts it.
  std::vector<QualificationKey> keys(qualified_.begin(), qualified_.end());
  std::sort(keys.begin(), keys.end(), [](const QualificationKey& a, const QualificationKey& b) {
    return a.lot != b.lot ? a.lot < b.lot : a.account < b.account;
  });
  writer("qual_count", static_cast<uint32_t>(keys.size()));
  for (const auto& key : keys) {
    writer("lot", key.lot);
    writer("account", key.account);
  }
}

bool Auctions::load(std::span<const uint8_t> in) {
  codec::Reader reader(in);
  uint32_t magic = 0, lot_count = 0, qual_count = 0;
  uint16_t version = 0;
  reader("magic", magic);
  reader("version", version);
  reader("lot_count", lot_count);
  if (!reader.ok() || magic != kSnapshotMagic || version != kSnapshotVersion || lot_count > config_.lots_max) return false;

  Auctions loaded(config_);
  for (uint32_t slot = 0; slot < lot_count; ++slot) {
    Lot lot;
    lot.visit(reader);
    uint32_t entry_count = 0;
    reader("entry_count", entry_count);
    if (!reader.ok() || !lot_fields_valid(lot) || entry_count > config_.bids_per_lot_max) return false;
    if (loaded.slot_of_.contains(lot.id.value)) return false;

    loaded.lots_.push_back(lot);
    loaded.slot_of_.emplace(lot.id.value, slot);
    if (lot.result == LotResult::none) loaded.active_.push_back(slot);
    auto& entries = loaded.entries_.emplace_back(entry_count);
    for (Entry& entry : entries) entry.visit(reader);
  }

  reader("qual_count", qual_count);
  if (!reader.ok() || qual_count > config_.qualifications_max) return false;
  for (uint32_t i = 0; i < qual_count; ++i) {
    QualificationKey key{};
    reader("lot", key.lot);
    reader("account", key.account);
    loaded.qualified_.insert(key);
  }
  if (!reader.ok() || !reader.at_end()) return false;

  *this = std::move(loaded);
  return true;
}

void Auctions::hash(Sha256& sha) const {
  std::vector<uint8_t> bytes;
  save(bytes);
  sha.update(bytes);
}

// The public view of a lot. Sealed bids stay hidden until the close, and the leader is
// masked; the reserve is never shown.
Reply Auctions::apply(const LotStatus& command, const Context& ctx) const {
  const Lot* lot = find(command.lot);
  if (lot == nullptr) return reject(lot_not_found);
  const TimeNs now = ctx.stamp.time_ns;
  const bool hidden = (lot->format == LotFormat::sealed_first || lot->format == LotFormat::sealed_second) &&
                      lot->result == LotResult::none;

  LotPhase phase = phase_at(*lot, now);
  PriceFen price = hidden ? 0 : lot->high_price;
  if (lot->format == LotFormat::dutch && phase == LotPhase::open) price = dutch_price(*lot, now);
  if (lot->format == LotFormat::agreement || lot->format == LotFormat::listing) price = std::max(price, lot->start_price);
  const bool closing = lot->result == LotResult::none && now >= lot->end_ns && lot->phase != LotPhase::suspended &&
                       lot->phase != LotPhase::awaiting;

  if (ctx.detail != nullptr) {
    *ctx.detail = fmt::format(
        R"({{"lot":{},"format":"{}","phase":"{}","result":"{}","current_price":{},"leader":"{}",)"
        R"("countdown_end_ns":{},"bids":{},"final_price":{},"winner":"{}","trade":{}}})",
        lot->id.value, format_name(lot->format), closing ? "closing" : phase_name(phase), result_name(lot->result),
        price, hidden ? "" : mask_account(lot->leader), lot->end_ns, lot->bid_count, lot->final_price,
        mask_account(lot->winner), lot->trade.value);
  }
  return Reply{ResultCode::ok, ctx.stamp.seq, now,
               {static_cast<int64_t>(phase), price, lot->end_ns, static_cast<int64_t>(lot->bid_count)}};
}

}  // namespace jubian::auction
