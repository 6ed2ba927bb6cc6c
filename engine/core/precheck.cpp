#include "engine/core/precheck.hpp"

#include <xxhash.h>

#include <algorithm>

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

Precheck::Precheck(const ledger::RuleTable& rules, size_t window) : window_(window), directory_(rules, 0, 1) {}

void Precheck::apply(const Command& command, std::span<const uint8_t> encoded_body, const Stamp& stamp,
                     ResultCode& code, bool& duplicate) {
  code = ResultCode::ok;
  duplicate = false;
  if (command.request_id.value != 0 && command.journaled()) {
    const RequestKey key{command.actor.value, command.request_id.value};
    const uint64_t digest = XXH3_64bits_withSeed(encoded_body.data(), encoded_body.size(), command.type());
    auto [entry, inserted] = requests_.try_emplace(key, digest);
    if (!inserted) {
      if (entry->second == digest) duplicate = true;
      else code = ResultCode::request_conflict;
      return;
    }
    order_.push_back(key);
    if (order_.size() > window_) {
      requests_.erase(order_.front());
      order_.pop_front();
    }
  }
  code = check_accounts(command, stamp);
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

namespace {

template <class Map>
std::vector<typename Map::const_pointer> sorted_by_key(const Map& map) {
  std::vector<typename Map::const_pointer> sorted;
  sorted.reserve(map.size());
  for (const auto& entry : map) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return a->first.actor != b->first.actor ? a->first.actor < b->first.actor : a->first.request < b->first.request;
  });
  return sorted;
}

}  // namespace

void Precheck::hash(Sha256& hasher) const {
  const auto sorted = sorted_by_key(requests_);
  hasher.update_u64(sorted.size());
  for (const auto* entry : sorted) {
    hasher.update_u64(entry->first.actor);
    hasher.update_u64(entry->first.request);
    hasher.update_u64(entry->second);
  }
}

void Precheck::save(std::vector<uint8_t>& out) const {
  codec::Writer writer(out);
  writer("requests", static_cast<uint64_t>(order_.size()));
  for (const RequestKey& key : order_) {
    writer("actor", key.actor);
    writer("request", key.request);
    writer("digest", requests_.at(key));
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
  for (uint64_t i = 0; i < count && reader.ok(); ++i) {
    RequestKey key;
    uint64_t digest = 0;
    reader("actor", key.actor);
    reader("request", key.request);
    reader("digest", digest);
    if (requests_.emplace(key, digest).second) order_.push_back(key);
  }
  uint64_t directory_bytes = 0;
  reader("directory_bytes", directory_bytes);
  if (!reader.ok() || in.size() - reader.consumed() != directory_bytes) return false;
  return directory_.load(in.subspan(reader.consumed()));
}

void ReplyLog::record(const Command& command, const Reply& reply) {
  if (command.request_id.value == 0) return;
  const RequestKey key{command.actor.value, command.request_id.value};
  if (!replies_.insert_or_assign(key, reply).second) return;
  order_.push_back(key);
  if (order_.size() > window_) {
    replies_.erase(order_.front());
    order_.pop_front();
  }
}

const Reply* ReplyLog::find(const Command& command) const {
  auto found = replies_.find(RequestKey{command.actor.value, command.request_id.value});
  return found == replies_.end() ? nullptr : &found->second;
}

void ReplyLog::hash(Sha256& hasher) const {
  const auto sorted = sorted_by_key(replies_);
  hasher.update_u64(sorted.size());
  std::vector<uint8_t> bytes;
  for (const auto* entry : sorted) {
    bytes.clear();
    codec::Writer writer(bytes);
    writer("actor", entry->first.actor);
    writer("request", entry->first.request);
    codec::encode(entry->second, bytes);
    hasher.update(bytes);
  }
}

void ReplyLog::save(std::vector<uint8_t>& out) const {
  codec::Writer writer(out);
  writer("replies", static_cast<uint64_t>(order_.size()));
  for (const RequestKey& key : order_) {
    writer("actor", key.actor);
    writer("request", key.request);
    codec::encode(replies_.at(key), out);
  }
}

bool ReplyLog::load(codec::Reader& reader) {
  uint64_t count = 0;
  reader("replies", count);
  replies_.clear();
  order_.clear();
  for (uint64_t i = 0; i < count && reader.ok(); ++i) {
    RequestKey key;
    Reply reply;
    reader("actor", key.actor);
    reader("request", key.request);
    reply.visit(reader);
    if (replies_.emplace(key, reply).second) order_.push_back(key);
  }
  return reader.ok();
}

}  // namespace jubian
