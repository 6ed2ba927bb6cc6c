#pragma once
// What jubian-torture demands of the engine after every restart, against any Target.

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/common/sha256.hpp"
#include "engine/core/command.hpp"
#include "tools/torture/workload.hpp"

namespace jubian::torture {

// A broken guarantee of the engine; the run stops and prints it.
class CheckFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One way to reach the engine: over TCP (jubiand) or in process (the pipeline).
class Target {
 public:
  virtual ~Target() = default;
  // Sends one command and waits for its reply; throws when the engine is unreachable.
  virtual Reply call(const Command& command) = 0;

  // Sends the commands pipelined and returns their replies in the same order.
  virtual std::vector<Reply> call_all(const std::vector<Command>& commands) = 0;
};

struct CheckCounts {
  uint64_t retried_pending = 0;
  uint64_t retried_answered = 0;
};

// Returns the engine's state hash; `seq` receives its last applied sequence number.
Digest query_state_hash(Target& target, Seq& seq);

// Retries every pending command with its original request id and body, and records the
// replies. After this every command the workload produced has exactly one outcome.
void resolve_pending(Workload& workload, Target& target, CheckCounts& counts);

// Retries `count` answered commands; each must return its original reply.
void check_retries(Workload& workload, Target& target, size_t count, CheckCounts& counts);

// Compares every account's balance and the awarded total with the model.
void check_ledger(const Workload& workload, Target& target);

// The state hash of a fresh engine fed the newest snapshot and the journal after it,
// read without changing the directory.
struct Replayed {
  Seq last_seq = 0;
  Seq snapshot_seq = 0;
  uint64_t records = 0;
  Digest hash{};
};
Replayed replay_journal(const std::filesystem::path& data_dir, const std::filesystem::path& rules_file,
                        const std::filesystem::path& categories_file);

// Runs `jubian-wal verify` on the journal directory; throws CheckFailed with its output
// unless it exits 0.
void run_wal_verify(const std::filesystem::path& wal_program, const std::filesystem::path& data_dir);

}  // namespace jubian::torture
