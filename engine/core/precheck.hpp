#pragma once
// Stage 0 of every command: request-id idempotency and account pre-checks.
//
// Idempotency key: (actor, request id); request id 0 opts out, and so do queries, which
// are not journaled. The first command with a key records a 64-bit xxHash digest of its
// encoded body. A later command with the same key and digest is a duplicate: no unit
// applies it and finish() returns the original reply. The same key with another digest
// is rejected as request_conflict. Only the newest `window` keys are remembered; a retry
// of an older request is treated as a new command.
//
// Accounts: a replica of the ledger's account directory, fed only registrations, checks
// that the actor of a trader command and every account it names are registered. So the
// market and auction stages never see commands from unknown accounts.

#include <cstdint>
#include <deque>
#include <span>
#include <unordered_map>
#include <vector>

#include "engine/common/sha256.hpp"
#include "engine/core/command.hpp"
#include "engine/ledger/ledger.hpp"

namespace jubian {

struct RequestKey {
  uint64_t actor = 0;
  uint64_t request = 0;
  bool operator==(const RequestKey&) const = default;
};

struct RequestKeyHash {
  size_t operator()(const RequestKey& key) const noexcept {
    return std::hash<uint64_t>{}(key.actor * 0x9E3779B97F4A7C15ULL ^ key.request);
  }
};

class Precheck {
 public:
  Precheck(const ledger::RuleTable& rules, size_t window);

  // Decides the slot's precheck code and duplicate flag.
  void apply(const Command& command, std::span<const uint8_t> encoded_body, const Stamp& stamp, ResultCode& code,
             bool& duplicate);

  const ledger::Ledger& directory() const { return directory_; }

  void hash(Sha256& hasher) const;
  void save(std::vector<uint8_t>& out) const;
  [[nodiscard]] bool load(std::span<const uint8_t> in);

 private:
  ResultCode check_accounts(const Command& command, const Stamp& stamp);

  std::unordered_map<RequestKey, uint64_t, RequestKeyHash> requests_;  // key -> body digest
  std::deque<RequestKey> order_;                                       // keys, oldest first
  size_t window_;
  ledger::Ledger directory_;
};

// The replies of commands that carried a request id, for duplicates. Written only by
// Engine::finish, which runs after every unit, so it needs no lock against stage 0.
class ReplyLog {
 public:
  // Keeps the replies of the newest `window` keys, the same keys Precheck remembers.
  explicit ReplyLog(size_t window) : window_(window) {}

  void record(const Command& command, const Reply& reply);
  const Reply* find(const Command& command) const;

  void hash(Sha256& hasher) const;
  void save(std::vector<uint8_t>& out) const;
  [[nodiscard]] bool load(codec::Reader& reader);

 private:
  std::unordered_map<RequestKey, Reply, RequestKeyHash> replies_;
  std::deque<RequestKey> order_;
  size_t window_;
};

}  // namespace jubian
