#pragma once
// The torture load: a seeded stream of ledger commands and a model of what the engine
// must hold after every command whose outcome is known.
//
// Every command gets a request id that is unique for the whole run, so a retry after a
// crash is the same idempotency key with the same body. A command is pending from
// next() until its reply arrives; after a crash the pending ones are retried, and the
// reply of the retry shows whether the lost attempt was applied (the original reply
// comes back) or not (the retry applies it now). Either way the model learns exactly one
// outcome per command, so it can demand exact balances.

#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "engine/core/command.hpp"

namespace jubian::torture {

// The actor of admin commands, an operator account that is never registered.
inline constexpr AccountId kOperator{16};
inline constexpr uint64_t kFirstAccount = 100;

struct WorkloadOptions {
  uint64_t seed = 1;
  uint32_t accounts = 32;          // user accounts kFirstAccount .. kFirstAccount + accounts - 1
  PriceFen award_base_max = 2'000'000'00;  // contract amount of an award, fen
  Points spend_max = 3'000;        // points of one spend or transfer
  bool keep_answered = true;       // false (soak): keep only the model, not every reply
};

class Workload {
 public:
  explicit Workload(const WorkloadOptions& options);

  // Returns the next command and records it as pending. Registrations come first.
  Command next();

  // Records the reply of a pending command and applies its outcome to the model.
  // A reply for a request that is not pending is ignored (a late duplicate).
  void acknowledge(RequestId request, const Reply& reply);

  // Commands sent but never answered, in request order.
  std::vector<Command> pending() const;

  // Up to `count` answered commands, chosen with the workload's generator.
  std::vector<Command> sample_answered(size_t count);

  // The reply recorded for an answered command; nullptr when it has none.
  const Reply* answered_reply(RequestId request) const;

  Points balance(AccountId account) const;
  bool registered(AccountId account) const { return balances_.contains(account.value); }
  Points awarded_total() const { return awarded_total_; }
  uint64_t answered() const { return answered_count_; }
  uint32_t accounts() const { return options_.accounts; }
  std::vector<AccountId> account_ids() const;

 private:
  Command make_award();
  Command make_spend();
  Command make_transfer();
  void apply_outcome(const Command& command, const Reply& reply);

  WorkloadOptions options_;
  std::mt19937_64 random_;
  uint64_t next_request_ = 1;
  uint32_t registered_sent_ = 0;

  std::map<uint64_t, Command> pending_;
  std::map<uint64_t, std::pair<Command, Reply>> answered_;
  std::map<uint64_t, Points> balances_;  // account -> points, only for registered accounts
  Points awarded_total_ = 0;
  uint64_t answered_count_ = 0;
};

}  // namespace jubian::torture
