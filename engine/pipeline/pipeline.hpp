#pragma once
// The sequenced pipeline: ingress queue -> sequencer and journal -> business stages ->
// responder. See engine/pipeline/README.md for threads, stages and ordering.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "engine/common/sha256.hpp"
#include "engine/core/command.hpp"
#include "engine/journal/journal.hpp"
#include "engine/pipeline/port.hpp"

namespace jubian::pipeline {

enum class WaitStrategy : uint8_t { spin, yield, block };

struct Options {
  std::filesystem::path data_dir;
  std::filesystem::path rules_file;          // award rule table (config/rules.toml)
  std::filesystem::path categories_file;     // market categories (config/categories.tsv)
  bool durability_sync = true;               // false: acknowledge after write, fdatasync every async_sync_interval_ms
  uint32_t async_sync_interval_ms = 10;
  uint64_t segment_bytes = 64ull << 20;
  uint32_t ledger_shards = 1;
  uint32_t market_shards = 1;
  WaitStrategy wait = WaitStrategy::block;  // staged mode: how idle threads wait
  // 0 (fused): one thread sequences, applies every unit and responds, beside the journal
  // writer; the fit for small hosts. N > 0 (staged): a sequencer, N threads running the
  // engine's units (precheck, market, ledger) and a responder.
  uint32_t stage_threads = 0;
  uint32_t ring_slots = 65536;               // sequenced commands in flight between stages
  uint32_t batch_commands_max = 4096;        // commands the sequencer takes per journal batch
  int64_t tick_interval_ms = 100;            // sequenced time ticks; 0 turns the timer off
  uint64_t request_window = 1u << 20;       // newest request ids remembered for idempotent retries
  bool snapshot_at_stop = true;              // write a snapshot after a clean stop
  bool truncate_damaged_journal = false;     // operator flag: cut the log at a damaged record
  std::function<int(int)> fdatasync_fn;      // fault-injection seam passed to the journal; empty = fdatasync
};

struct RecoveryReport {
  Seq snapshot_seq = 0;
  Seq last_seq = 0;
  uint64_t records_replayed = 0;
  double seconds = 0;
  Digest state_hash{};
};

class Pipeline {
 public:
  // Recovers the data directory (snapshot, then journal tail) and starts the threads.
  // Throws std::runtime_error naming the position when the journal is damaged.
  explicit Pipeline(const Options& options);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  const RecoveryReport& recovery() const;

  // Enqueues a command from any thread. Returns false once stop() has begun or the
  // journal has failed, and then the caller sends the client its error itself.
  bool submit(SessionPort* port, Command command);
  // Enqueues several commands of one session in order, with one wake of the engine
  // thread. Moves from `commands`. Returns false, and enqueues none, as submit() would.
  bool submit_batch(SessionPort* port, std::span<Command> commands);

  void set_event_listener(EventListener* listener);

  // Stops taking commands, drains everything submitted, syncs, writes a snapshot when
  // asked to, and joins the threads.
  void stop();

  bool failed() const;              // the journal writer stopped on an I/O error
  Seq last_applied() const;
  uint64_t queue_depth() const;     // commands submitted and not yet sequenced
  journal::Stats journal_stats() const;
  // From submit() to the response's push onto its session's queue, for commands with a session.
  LatencyHistogram::Snapshot ack_latency() const;

  // The engine's state hash. Only valid after stop(); live sessions send state_hash.
  Digest state_hash_after_stop() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jubian::pipeline
