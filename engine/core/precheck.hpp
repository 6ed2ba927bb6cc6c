#pragma once
// Stage 0 of every command: request-id idempotency and account pre-checks.
//
// Idempotency key: (actor, request id); request id 0 opts out. The first command with a
// key records a 64-bit xxHash digest of its encoded body. A later command with the same
// key and digest is a duplicate: no unit applies it and finish() returns the original
// reply. The same key with another digest is rejected as request_conflict.
//
// Accounts: a replica of the ledger's account directory (fed only registrations) answers
// whether the actor of a trader command, and a listing's broker, are registered, so the
// market and auction stages never see commands from unknown accounts.

#include <cstdint>
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
  explicit Precheck(const ledger::RuleTable& rules);

  // Decides the slot's precheck code and duplicate flag.
  void apply(const Command& command, std::span<const uint8_t> encoded_body, const Stamp& stamp, ResultCode& code,
             bool& duplicate);

  const ledger::Ledger& directory() const { return directory_; }

  void hash(Sha256& hasher) const;
  void save(std::vector<uint8_t>& out) const;
  [[nodiscard]] bool load(std::span<const uint8_t> in);

 private:
  ResultCode check_accounts(const Command& command, const Stamp& stamp);

  // TODO: bound the idempotency window (by count or age); every key is kept today.
  std::unordered_map<RequestKey, uint64_t, RequestKeyHash> requests_;  // key -> body digest
  ledger::Ledger directory_;
};

// The replies of commands that carried a request id, for duplicates. Written only by
// Engine::finish, which runs after every unit, so it needs no lock against stage 0.
class ReplyLog {
 public:
  void record(const Command& command, const Reply& reply);
  const Reply* find(const Command& command) const;

  void hash(Sha256& hasher) const;
  void save(std::vector<uint8_t>& out) const;
  [[nodiscard]] bool load(codec::Reader& reader);

 private:
  // TODO: bound this together with Precheck's request window.
  std::unordered_map<RequestKey, Reply, RequestKeyHash> replies_;
};

}  // namespace jubian
