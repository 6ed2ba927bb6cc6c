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
// Each remembered key gets the next request ordinal. The reply log stores replies in a
// ring indexed by ordinal, so a duplicate finds its original reply without a second hash
// lookup, and recording a reply is a sequential write.
//
// Accounts: a replica of the ledger's account directory, fed only registrations, checks
// that the actor of a trader command and every account it names are registered. So the
// market and auction stages never see commands from unknown accounts.

#include <cstdint>
#include <deque>
#include <span>
#include <vector>


#include "engine/common/sha256.hpp"
#include "engine/core/command.hpp"
#include "engine/core/request_table.hpp"
#include "engine/ledger/ledger.hpp"

namespace jubian {

class Precheck {
 public:
  Precheck(const ledger::RuleTable& rules, size_t window);

  struct Outcome {
    ResultCode code = ResultCode::ok;
    bool duplicate = false;
    uint64_t ordinal = 0;  // the key's request ordinal: a new key's own, or a duplicate's original
  };
  // Decides a command's precheck code and duplicate flag. `body_digest` is the xxHash of
  // its encoded body (body_digest() below).
  Outcome apply(const Command& command, uint64_t body_digest, const Stamp& stamp);

  static uint64_t body_digest(const Command& command, std::span<const uint8_t> encoded_body);

  // Starts loading the cache line that apply() will probe for this command.
  void prefetch(const Command& command) const;

  const ledger::Ledger& directory() const { return directory_; }

  void hash(Sha256& hasher) const;
  void save(std::vector<uint8_t>& out) const;
  [[nodiscard]] bool load(std::span<const uint8_t> in);

 private:
  ResultCode check_accounts(const Command& command, const Stamp& stamp);

  RequestTable requests_;  // key -> xxHash of the first command's body, and its ordinal
  std::deque<RequestKey> order_;  // keys, oldest first; the oldest has ordinal next_ordinal_ - size
  uint64_t next_ordinal_ = 0;
  size_t window_;
  ledger::Ledger directory_;
};

// The replies of commands that carried a request id, for duplicates. Written only by
// Engine::finish, which runs after every unit, so it needs no lock against stage 0.
class ReplyLog {
 public:
  // Keeps the replies of the newest `window` keys, the same keys Precheck remembers,
  // under the same ordinals.
  explicit ReplyLog(size_t window) : window_(window) { ring_.reserve(window); }

  // Stores the reply of the command that Precheck gave `ordinal`; ordinals arrive in order.
  void record(uint64_t ordinal, const Command& command, const Reply& reply);
  // The reply stored under `ordinal`, or null when that command has left the ring.
  const Reply* find(uint64_t ordinal, const Command& command) const;

  void hash(Sha256& hasher) const;
  void save(std::vector<uint8_t>& out) const;
  [[nodiscard]] bool load(codec::Reader& reader);

 private:
  struct Entry {
    RequestKey key;
    Reply reply;
  };
  template <class F>
  void for_each_oldest_first(F&& f) const;
  std::vector<Entry> ring_;  // grows to `window` entries, then wraps; entry i % window is ordinal i
  uint64_t next_ordinal_ = 0;
  size_t window_;
};

}  // namespace jubian
