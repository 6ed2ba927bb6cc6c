#include "engine/core/precheck.hpp"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "engine/common/codec.hpp"
#include "engine/ledger/codes.hpp"

namespace jubian {
namespace {

template <class T, class Tuple>
struct in_tuple;
template <class T, class... Ts>
struct in_tuple<T, std::tuple<Ts...>> : std::bool_constant<(std::is_same_v<T, Ts> || ...)> {};

// Visits a command body and finds the first nonzero account field that is not registered.
struct AccountFieldCheck {
  const ledger::Ledger& directory;
  ResultCode code = ResultCode::ok;

  template <class T>
  void operator()(const char* name, const T& field) {
    if constexpr (std::is_same_v<T, AccountId>) {
      if (code != ResultCode::ok || field == kNoAccount) return;
      if (!directory.account_exists(field)) {
        code = ledger::account_unknown;
      } else if (std::string_view(name) == "broker" && !directory.is_broker(field)) {
        code = ResultCode::broker_required;
      }
    }
  }
};

}  // namespace

// Keys between a key's prefetch and its eviction.
constexpr size_t kEvictPrefetch = 8;

// The table is sized for the whole window up front, because growing a table of a million
// keys would rehash it on the engine thread and stall every command behind it. It has
// room for one key more than the window, since a new key is inserted before the oldest
// leaves.
Precheck::Precheck(const ledger::RuleTable& rules, size_t window)
    : requests_(window + 1), window_(window), directory_(rules, 0, 1) {}

void Precheck::prefetch(const Command& command) const {
  if (command.request_id.value != 0) requests_.prefetch(RequestKey{command.actor.value, command.request_id.value});
}

uint64_t Precheck::body_digest(const Command& command, std::span<const uint8_t> encoded_body) {
  return XXH3_64bits_withSeed(encoded_body.data(), encoded_body.size(), command.type());
}

Precheck::Outcome Precheck::apply(const Command& command, uint64_t body_digest, const Stamp& stamp) {
  Outcome outcome;
  if (command.request_id.value != 0 && command.journaled()) {
    const RequestKey key{command.actor.value, command.request_id.value};
    auto [entry, inserted] = requests_.try_emplace(key, body_digest, next_ordinal_);
    if (!inserted) {
      if (entry->digest == body_digest) {
        outcome.duplicate = true;
        outcome.ordinal = entry->ordinal;
      } else {
        outcome.code = ResultCode::request_conflict;
      }
      return outcome;
    }
    outcome.ordinal = next_ordinal_++;
    order_.push_back(key);
    if (order_.size() > window_) {
      requests_.erase(order_.front());
      order_.pop_front();
      // The key evicted a few commands from now sits at a random slot too.
      if (order_.size() > kEvictPrefetch) requests_.prefetch(order_[kEvictPrefetch]);
    }
  }
  outcome.code = check_accounts(command, stamp);
  return outcome;
}

// Registrations update the directory replica; market and auction commands must come
// from, and name, registered accounts. Ledger commands are checked by the ledger itself.
ResultCode Precheck::check_accounts(const Command& command, const Stamp& stamp) {
  return std::visit(
      [&](const auto& body) -> ResultCode {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, ledger::RegisterUnit> || std::is_same_v<T, ledger::RegisterIndividual> ||
                      std::is_same_v<T, ledger::RegisterBroker>) {
          Context ctx;
          ctx.stamp = stamp;
          ctx.actor = command.actor;
          (void)directory_.apply(body, ctx);
          return ResultCode::ok;
        } else if constexpr (in_tuple<T, market::Commands>::value || in_tuple<T, auction::Commands>::value) {
          if (T::kAccess == Access::trader && !directory_.account_exists(command.actor)) return ledger::account_unknown;
          if constexpr (std::is_same_v<T, market::BrokerClaim> || std::is_same_v<T, market::BrokerRelease>) {
            if (!directory_.is_broker(command.actor)) return ResultCode::broker_required;
          }
          AccountFieldCheck check{directory_};
          const_cast<T&>(body).visit(check);
          return check.code;
        } else {
          return ResultCode::ok;
        }
      },
      command.body);
}

void Precheck::hash(Sha256& hasher) const {
  std::vector<const RequestTable::Entry*> sorted;
  sorted.reserve(requests_.size());
  requests_.for_each([&](const RequestTable::Entry& entry) { sorted.push_back(&entry); });
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return a->key.actor != b->key.actor ? a->key.actor < b->key.actor : a->key.request < b->key.request;
  });
  hasher.update_u64(sorted.size());
  for (const auto* entry : sorted) {
    hasher.update_u64(entry->key.actor);
    hasher.update_u64(entry->key.request);
    hasher.update_u64(entry->digest);
  }
}

void Precheck::save(std::vector<uint8_t>& out) const {
  codec::Writer writer(out);
  writer("requests", static_cast<uint64_t>(order_.size()));
  for (const RequestKey& key : order_) {
    writer("actor", key.actor);
    writer("request", key.request);
    writer("digest", requests_.find(key)->digest);
  }
  std::vector<uint8_t> directory;
  directory_.save(directory);
  writer("directory_bytes", static_cast<uint64_t>(directory.size()));
  out.insert(out.end(), directory.begin(), directory.end());
}

bool Precheck::load(std::span<const uint8_t> in) {
  codec::Reader reader(in);
  uint64_t count = 0;
  reader("requests", count);
  requests_.clear();
  order_.clear();
  // Ordinals restart at 0 after a load, and only the newest `window` keys stay (the
  // window may be smaller than when the snapshot was written); ReplyLog::load keeps and
  // numbers the same keys the same way.
  const uint64_t skipped = count > window_ ? count - window_ : 0;
  next_ordinal_ = 0;
  for (uint64_t i = 0; i < count && reader.ok(); ++i) {
    RequestKey key;
    uint64_t digest = 0;
    reader("actor", key.actor);
    reader("request", key.request);
    reader("digest", digest);
    if (i < skipped) continue;
    if (key.request == 0 || !requests_.try_emplace(key, digest, next_ordinal_).second) return false;
    order_.push_back(key);
    ++next_ordinal_;
  }
  uint64_t directory_bytes = 0;
  reader("directory_bytes", directory_bytes);
  if (!reader.ok() || in.size() - reader.consumed() != directory_bytes) return false;
  return directory_.load(in.subspan(reader.consumed()));
}

void ReplyLog::record(uint64_t ordinal, const Command& command, const Reply& reply) {
  if (command.request_id.value == 0) return;
  if (ordinal != next_ordinal_) {
    std::fprintf(stderr, "reply log invariant broken: ordinal %llu arrived, %llu expected\n",
                 static_cast<unsigned long long>(ordinal), static_cast<unsigned long long>(next_ordinal_));
    std::abort();
  }
  Entry entry{RequestKey{command.actor.value, command.request_id.value}, reply};
  const size_t index = ordinal % window_;
  if (index == ring_.size()) ring_.push_back(entry);
  else ring_[index] = entry;
  ++next_ordinal_;
}

const Reply* ReplyLog::find(uint64_t ordinal, const Command& command) const {
  if (ordinal >= next_ordinal_ || next_ordinal_ - ordinal > ring_.size()) return nullptr;
  const Entry& entry = ring_[ordinal % window_];
  if (entry.key != RequestKey{command.actor.value, command.request_id.value}) return nullptr;
  return &entry.reply;
}

template <class F>
void ReplyLog::for_each_oldest_first(F&& f) const {
  const uint64_t count = ring_.size();
  for (uint64_t ordinal = next_ordinal_ - count; ordinal < next_ordinal_; ++ordinal) f(ring_[ordinal % window_]);
}

void ReplyLog::hash(Sha256& hasher) const {
  std::vector<const Entry*> sorted;
  sorted.reserve(ring_.size());
  for (const Entry& entry : ring_) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](const Entry* a, const Entry* b) {
    return a->key.actor != b->key.actor ? a->key.actor < b->key.actor : a->key.request < b->key.request;
  });
  hasher.update_u64(sorted.size());
  std::vector<uint8_t> bytes;
  for (const Entry* entry : sorted) {
    bytes.clear();
    codec::Writer writer(bytes);
    writer("actor", entry->key.actor);
    writer("request", entry->key.request);
    codec::encode(entry->reply, bytes);
    hasher.update(bytes);
  }
}

void ReplyLog::save(std::vector<uint8_t>& out) const {
  codec::Writer writer(out);
  writer("replies", static_cast<uint64_t>(ring_.size()));
  for_each_oldest_first([&](const Entry& entry) {
    writer("actor", entry.key.actor);
    writer("request", entry.key.request);
    codec::encode(entry.reply, out);
  });
}

bool ReplyLog::load(codec::Reader& reader) {
  uint64_t count = 0;
  reader("replies", count);
  ring_.clear();
  next_ordinal_ = 0;
  const uint64_t skipped = count > window_ ? count - window_ : 0;  // as in Precheck::load
  for (uint64_t i = 0; i < count && reader.ok(); ++i) {
    Entry entry;
    reader("actor", entry.key.actor);
    reader("request", entry.key.request);
    entry.reply.visit(reader);
    if (i < skipped) continue;
    ring_.push_back(entry);
    ++next_ordinal_;
  }
  return reader.ok();
}

}  // namespace jubian
