#include "engine/core/engine.hpp"

#include <xxhash.h>

#include <algorithm>
#include <stdexcept>

#include "engine/auction/auctions.hpp"
#include "engine/common/codec.hpp"
#include "engine/common/log.hpp"
#include "engine/core/precheck.hpp"
#include "engine/ledger/ledger.hpp"
#include "engine/market/market.hpp"

namespace jubian {
namespace {

template <class T, class Tuple>
struct in_tuple;
template <class T, class... Ts>
struct in_tuple<T, std::tuple<Ts...>> : std::bool_constant<(std::is_same_v<T, Ts> || ...)> {};
template <class T, class Tuple>
inline constexpr bool in_tuple_v = in_tuple<T, Tuple>::value;

constexpr uint32_t kSnapshotMagic = 0x4A425331;  // "JBS1"

}  // namespace

std::array<int64_t, 4> digest_words(const Digest& digest) {
  std::array<int64_t, 4> words{};
  for (size_t w = 0; w < 4; ++w) {
    uint64_t word = 0;
    for (size_t b = 0; b < 8; ++b) word |= static_cast<uint64_t>(digest[w * 8 + b]) << (8 * b);
    words[w] = static_cast<int64_t>(word);
  }
  return words;
}

Digest digest_from_words(const std::array<int64_t, 4>& words) {
  Digest digest{};
  for (size_t w = 0; w < 4; ++w)
    for (size_t b = 0; b < 8; ++b) digest[w * 8 + b] = static_cast<uint8_t>(static_cast<uint64_t>(words[w]) >> (8 * b));
  return digest;
}

void Slot::reset(size_t units) {
  stamp = Stamp{};
  journaled = true;
  port = nullptr;
  presolved = false;
  body_digest.reset();
  precheck = ResultCode::ok;
  duplicate = false;
  request_ordinal = 0;
  if (outputs.size() != units) outputs.resize(units);
  for (auto& output : outputs) {
    output.decided = false;
    output.reply = Reply{};
    output.events.clear();
    output.trades.clear();
    output.detail.clear();
  }
  cross.reset();
  reply = Reply{};
  detail.clear();
  events.clear();
}

struct Engine::Impl {
  EngineConfig config;
  Precheck precheck;
  ReplyLog replies;
  std::vector<std::optional<Reply>> ledger_replies;  // finish()'s scratch
  std::vector<uint8_t> body_buffer;  // stage 0's encoding of the command body, for digests
  std::vector<std::unique_ptr<market::Market>> markets;
  std::unique_ptr<auction::Auctions> auctions;
  std::vector<std::unique_ptr<ledger::Ledger>> ledgers;

  size_t first_market = 1;
  size_t auction_unit = 0;
  size_t first_ledger = 0;
  size_t units = 0;

  explicit Impl(const EngineConfig& cfg);
  void apply_market(size_t shard, Slot& slot);
  void apply_auction(Slot& slot);
  void apply_ledger(size_t shard, Slot& slot);
  Context context(Slot& slot, size_t unit);
};

Engine::Impl::Impl(const EngineConfig& cfg)
    : config(cfg), precheck(ledger::load_rules(cfg.rules_file), cfg.request_window), replies(cfg.request_window) {
  body_buffer.reserve(512);
  if (config.ledger_shards == 0 || config.market_shards == 0)
    throw std::invalid_argument("engine: ledger_shards and market_shards must be at least 1");

  const auto categories = market::load_categories(config.categories_file);
  market::MarketConfig market_config;
  market_config.listings_max = std::max<uint32_t>(1024, config.listings_max / config.market_shards);
  market_config.proposals_top_k = config.proposals_top_k;
  for (uint32_t shard = 0; shard < config.market_shards; ++shard)
    markets.push_back(std::make_unique<market::Market>(market_config, categories, shard, config.market_shards));

  auction::AuctionConfig auction_config;
  auction_config.lots_max = config.lots_max;
  auction_config.bids_per_lot_max = config.bids_per_lot_max;
  auctions = std::make_unique<auction::Auctions>(auction_config);

  const auto rules = ledger::load_rules(config.rules_file);
  for (uint32_t shard = 0; shard < config.ledger_shards; ++shard)
    ledgers.push_back(std::make_unique<ledger::Ledger>(rules, shard, config.ledger_shards));

  first_market = 1;
  auction_unit = first_market + markets.size();
  first_ledger = auction_unit + 1;
  units = first_ledger + ledgers.size();
}

Context Engine::Impl::context(Slot& slot, size_t unit) {
  auto& output = slot.outputs[unit];
  Context ctx;
  ctx.stamp = slot.stamp;
  ctx.actor = slot.command.actor;
  ctx.request = slot.command.request_id;
  ctx.events = &output.events;
  ctx.trades = &output.trades;
  ctx.detail = &output.detail;
  ctx.cross = config.ledger_shards > 1 ? &slot.cross : nullptr;
  return ctx;
}

// Routes market commands to the shard that owns their category. listing_add and
// book_query carry the category, and commands on a listing take it from the listing id.
// broker_report and ticks go to every shard.
void Engine::Impl::apply_market(size_t shard, Slot& slot) {
  market::Market& market = *markets[shard];
  const size_t unit = first_market + shard;
  auto& output = slot.outputs[unit];
  const Context ctx = context(slot, unit);

  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, system::Tick>) {
          market.on_tick(ctx);
        } else if constexpr (in_tuple_v<T, market::Commands>) {
          bool owned = true;
          if constexpr (requires { body.category; }) {
            owned = market::shard_of(body.category, config.market_shards) == shard;
          } else if constexpr (requires { body.listing; }) {
            const auto category = market.category_of(body.listing);
            owned = category ? market.owns(*category) : shard == 0;
          }
          if (!owned) return;
          output.reply = market.apply(body, ctx);
          output.decided = true;
        }
      },
      slot.command.body);
}

void Engine::Impl::apply_auction(Slot& slot) {
  auto& output = slot.outputs[auction_unit];
  const Context ctx = context(slot, auction_unit);
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, system::Tick>) {
          auctions->on_tick(ctx);
        } else if constexpr (in_tuple_v<T, auction::Commands>) {
          output.reply = auctions->apply(body, ctx);
          output.decided = true;
        }
      },
      slot.command.body);
}

// Applies ledger commands, then settles the trades that stage 1 concluded in this slot
// and pays daily_publish for a listing that was accepted.
void Engine::Impl::apply_ledger(size_t shard, Slot& slot) {
  ledger::Ledger& ledger = *ledgers[shard];
  const size_t unit = first_ledger + shard;
  auto& output = slot.outputs[unit];
  const Context ctx = context(slot, unit);

  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, system::Tick>) {
          ledger.on_tick(ctx);
        } else if constexpr (in_tuple_v<T, ledger::Commands>) {
          if (auto reply = ledger.apply(body, ctx)) {
            output.reply = *reply;
            output.decided = true;
          }
        } else if constexpr (std::is_same_v<T, market::ListingAdd>) {
          for (size_t m = first_market; m < auction_unit; ++m) {
            const auto& market_output = slot.outputs[m];
            if (market_output.decided && market_output.reply.code == ResultCode::ok) ledger.award_publish(slot.command.actor, ctx);
          }
        }
      },
      slot.command.body);

  for (size_t producer = first_market; producer <= auction_unit; ++producer)
    for (const Trade& trade : slot.outputs[producer].trades) (void)ledger.settle(trade, ctx);
}

Engine::Engine(const EngineConfig& config) : impl_(std::make_unique<Impl>(config)) {}

Engine::~Engine() = default;

size_t Engine::unit_count() const { return impl_->units; }

Stage Engine::unit_stage(size_t unit) const {
  if (unit == 0) return Stage::precheck;
  return unit < impl_->first_ledger ? Stage::market : Stage::ledger;
}

std::string Engine::unit_name(size_t unit) const {
  if (unit == 0) return "precheck";
  if (unit < impl_->auction_unit) return "market-" + std::to_string(unit - impl_->first_market);
  if (unit == impl_->auction_unit) return "auction";
  return "ledger-" + std::to_string(unit - impl_->first_ledger);
}

void Engine::apply_unit(size_t unit, Slot& slot) {
  if (slot.presolved) return;
  if (unit == 0) {
    if (!slot.body_digest) {
      impl_->body_buffer.clear();
      encode_command(slot.command, impl_->body_buffer);
      slot.body_digest = Precheck::body_digest(slot.command, impl_->body_buffer);
    }
    const Precheck::Outcome outcome = impl_->precheck.apply(slot.command, *slot.body_digest, slot.stamp);
    slot.precheck = outcome.code;
    slot.duplicate = outcome.duplicate;
    slot.request_ordinal = outcome.ordinal;
    return;
  }
  if (slot.duplicate || slot.precheck != ResultCode::ok) return;
  if (unit < impl_->auction_unit) impl_->apply_market(unit - impl_->first_market, slot);
  else if (unit == impl_->auction_unit) impl_->apply_auction(slot);
  else impl_->apply_ledger(unit - impl_->first_ledger, slot);
}

void Engine::prefetch(const Slot& slot) const {
  impl_->precheck.prefetch(slot.command);
  if (const auto* award = std::get_if<ledger::Award>(&slot.command.body)) {
    for (const auto& ledger : impl_->ledgers) ledger->prefetch(*award);
  }
}

void Engine::finish(Slot& slot) {
  if (slot.presolved) {
    slot.reply.seq = slot.stamp.seq;
    slot.reply.time_ns = slot.stamp.time_ns;
    return;
  }
  if (slot.duplicate) {
    const Reply* original = impl_->replies.find(slot.request_ordinal, slot.command);
    slot.reply = original != nullptr ? *original : reject(ResultCode::duplicate_request);
    return;
  }

  if (slot.precheck != ResultCode::ok) {
    slot.reply = reject(slot.precheck);
  } else {
    auto& ledger_replies = impl_->ledger_replies;  // finish() runs on one thread; the vector is reused
    ledger_replies.clear();
    bool decided = false;
    for (size_t unit = 1; unit < impl_->units; ++unit) {
      auto& output = slot.outputs[unit];
      if (!output.decided) continue;
      if (unit >= impl_->first_ledger) {
        ledger_replies.emplace_back(output.reply);
      } else if (!decided) {
        slot.reply = output.reply;
        decided = true;
      }
      slot.detail += output.detail;
    }
    if (!ledger_replies.empty()) {
      if (auto merged = ledger::Ledger::merge_replies(ledger_replies)) slot.reply = *merged;
    } else if (!decided && !std::holds_alternative<system::Tick>(slot.command.body)) {
      slot.reply = reject(ResultCode::internal_error);
    }
    for (auto& output : slot.outputs) slot.events.insert(slot.events.end(), output.events.begin(), output.events.end());
  }

  slot.reply.seq = slot.stamp.seq;
  slot.reply.time_ns = slot.stamp.time_ns;
  // A conflict's key belongs to the original command, whose reply must stay.
  if (slot.journaled && slot.precheck != ResultCode::request_conflict) impl_->replies.record(slot.request_ordinal, slot.command, slot.reply);
}

size_t Engine::leading_unit(const Slot& slot) const {
  if (impl_->ledgers.size() < 2) return SIZE_MAX;
  if (const auto* transfer = std::get_if<ledger::Transfer>(&slot.command.body))
    return impl_->first_ledger + impl_->ledgers.front()->owner_shard(transfer->from);
  return SIZE_MAX;
}

void Engine::apply_units(Slot& slot) {
  const size_t leading = leading_unit(slot);
  for (size_t unit = 0; unit < impl_->first_ledger; ++unit) apply_unit(unit, slot);
  if (leading != SIZE_MAX) apply_unit(leading, slot);
  for (size_t unit = impl_->first_ledger; unit < impl_->units; ++unit)
    if (unit != leading) apply_unit(unit, slot);
}

void Engine::apply(Slot& slot) {
  apply_units(slot);
  finish(slot);
}

Digest Engine::state_hash() const {
  Sha256 hasher;
  impl_->precheck.hash(hasher);
  impl_->replies.hash(hasher);
  for (const auto& market : impl_->markets) market->hash(hasher);
  impl_->auctions->hash(hasher);

  std::vector<const ledger::Ledger*> shards;
  for (const auto& ledger : impl_->ledgers) shards.push_back(ledger.get());
  const Digest ledger_digest = ledger::Ledger::combined_hash(shards);
  hasher.update(ledger_digest);
  return hasher.finish();
}

// Snapshot layout: magic, shard counts, then each component as a length-prefixed section
// in unit order (precheck with the reply log, market shards, auctions, ledger shards).
void Engine::save(std::vector<uint8_t>& out) const {
  codec::Writer writer(out);
  writer("magic", kSnapshotMagic);
  writer("market_shards", impl_->config.market_shards);
  writer("ledger_shards", impl_->config.ledger_shards);

  std::vector<uint8_t> section;
  auto put_section = [&](auto&& fill) {
    section.clear();
    fill(section);
    writer("section_bytes", static_cast<uint64_t>(section.size()));
    out.insert(out.end(), section.begin(), section.end());
  };
  put_section([&](auto& bytes) { impl_->precheck.save(bytes); });
  put_section([&](auto& bytes) { impl_->replies.save(bytes); });
  for (const auto& market : impl_->markets) put_section([&](auto& bytes) { market->save(bytes); });
  put_section([&](auto& bytes) { impl_->auctions->save(bytes); });
  for (const auto& ledger : impl_->ledgers) put_section([&](auto& bytes) { ledger->save(bytes); });
}

bool Engine::load(std::span<const uint8_t> in) {
  codec::Reader header(in);
  uint32_t magic = 0, market_shards = 0, ledger_shards = 0;
  header("magic", magic);
  header("market_shards", market_shards);
  header("ledger_shards", ledger_shards);
  if (!header.ok() || magic != kSnapshotMagic) return false;
  if (market_shards != impl_->config.market_shards || ledger_shards != impl_->config.ledger_shards) {
    logger("engine")->error("snapshot_shards_mismatch: snapshot_market_shards={} snapshot_ledger_shards={} "
                            "configured_market_shards={} configured_ledger_shards={}",
                            market_shards, ledger_shards, impl_->config.market_shards, impl_->config.ledger_shards);
    return false;
  }

  size_t offset = header.consumed();
  auto next_section = [&](std::span<const uint8_t>& section) {
    codec::Reader length_reader(in.subspan(offset));
    uint64_t bytes = 0;
    length_reader("section_bytes", bytes);
    if (!length_reader.ok() || in.size() - offset - 8 < bytes) return false;
    section = in.subspan(offset + 8, bytes);
    offset += 8 + bytes;
    return true;
  };

  std::span<const uint8_t> section;
  if (!next_section(section) || !impl_->precheck.load(section)) return false;
  if (!next_section(section)) return false;
  codec::Reader replies_reader(section);
  if (!impl_->replies.load(replies_reader)) return false;
  for (auto& market : impl_->markets)
    if (!next_section(section) || !market->load(section)) return false;
  if (!next_section(section) || !impl_->auctions->load(section)) return false;
  for (auto& ledger : impl_->ledgers)
    if (!next_section(section) || !ledger->load(section)) return false;
  return offset == in.size();
}

}  // namespace jubian
