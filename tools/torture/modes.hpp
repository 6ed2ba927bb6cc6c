#pragma once
// The three runs of jubian-torture.

#include <cstdint>
#include <filesystem>

#include "tools/torture/workload.hpp"

namespace jubian::torture {

struct RunOptions {
  std::filesystem::path work_dir;         // data directory and logs; emptied first
  std::filesystem::path jubiand;
  std::filesystem::path jubian_wal;
  std::filesystem::path rules_file;
  std::filesystem::path categories_file;
  WorkloadOptions workload;
  uint32_t kills = 50;                    // server mode: SIGKILLs of jubiand
  uint32_t kill_points = 20;              // kill-point mode: crashes inside the journal writer
  uint32_t kill_after_min_ms = 20;        // a kill lands uniformly in [min, max] ms of load
  uint32_t kill_after_max_ms = 400;
  uint32_t window = 64;                   // commands in flight per round trip
  uint32_t retries_per_restart = 32;      // answered commands retried after each restart
  uint32_t soak_minutes = 0;
};

struct RunTotals {
  uint64_t kills = 0;
  uint64_t acknowledged = 0;              // replies received before a crash
  uint64_t retried_pending = 0;
  uint64_t retried_answered = 0;
  uint64_t journal_records = 0;           // records in the final journal
  double seconds = 0;
};

// SIGKILLs jubiand at random moments under load, restarting and checking each time.
RunTotals run_server_kills(const RunOptions& options);

// Crashes a pipeline in a forked child before or after a chosen fdatasync call.
RunTotals run_kill_points(const RunOptions& options);

// Runs the load against one jubiand for soak_minutes and prints its memory use.
RunTotals run_soak(const RunOptions& options);

}  // namespace jubian::torture
