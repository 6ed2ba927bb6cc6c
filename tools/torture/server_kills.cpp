// Server mode: jubiand under load from the client library, SIGKILLed at random moments.

#include <signal.h>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "api/client.hpp"
#include "engine/common/log.hpp"
#include "tools/torture/checks.hpp"
#include "tools/torture/daemon.hpp"
#include "tools/torture/modes.hpp"

namespace jubian::torture {

namespace fs = std::filesystem;

namespace {

// Two sessions: admin commands go through one, trader commands through the other.
class ServerTarget final : public Target {
 public:
  static constexpr size_t kWindow = 256;  // retries in flight; under the gateway's per-session limit

  explicit ServerTarget(uint16_t port) {
    admin_.connect("127.0.0.1", port);
    admin_.login(Daemon::admin_token());
    trader_.connect("127.0.0.1", port);
    trader_.login(Daemon::trader_token());
  }

  api::Client& client_for(const Command& command) {
    return command.access() == Access::trader ? trader_ : admin_;
  }

  Reply call(const Command& command) override { return client_for(command).call(command).reply; }

  std::vector<Reply> call_all(const std::vector<Command>& commands) override {
    std::vector<Reply> replies;
    for (size_t start = 0; start < commands.size(); start += kWindow) {
      const size_t end = std::min(commands.size(), start + kWindow);
      for (size_t i = start; i < end; ++i) client_for(commands[i]).send(commands[i]);
      for (size_t i = start; i < end; ++i)
        replies.push_back(client_for(commands[i]).await(commands[i].request_id.value).reply);
    }
    return replies;
  }

 private:
  api::Client admin_;
  api::Client trader_;
};

// Sends the workload in windows until the connection breaks (the kill) or `keep_going`
// turns false. Returns the number of replies received.
uint64_t drive_load(ServerTarget& target, Workload& workload, uint32_t window, const std::atomic<bool>& keep_going) {
  uint64_t replies = 0;
  std::vector<std::pair<api::Client*, RequestId>> in_flight;
  try {
    while (keep_going.load()) {
      in_flight.clear();
      for (uint32_t i = 0; i < window; ++i) {
        const Command command = workload.next();
        api::Client& client = target.client_for(command);
        client.send(command);
        in_flight.emplace_back(&client, command.request_id);
      }
      for (auto& [client, request] : in_flight) {
        workload.acknowledge(request, client->await(request.value).reply);
        ++replies;
      }
    }
  } catch (const api::ClientError&) {
    // The daemon died; what was sent and not answered stays pending.
  }
  return replies;
}

// Restarts jubiand and demands: its state hash equals a fresh replay of the journal,
// unanswered commands resolve, answered ones replay their reply, balances match.
void restart_and_check(Daemon& daemon, const RunOptions& options, Workload& workload, RunTotals& totals) {
  const fs::path data_dir = options.work_dir / "data";
  if (fs::exists(data_dir / "journal")) run_wal_verify(options.jubian_wal, data_dir);
  const Replayed replayed = replay_journal(data_dir, options.rules_file, options.categories_file);

  daemon.start();
  ServerTarget target(daemon.port());
  Seq seq = 0;
  const Digest hash = query_state_hash(target, seq);
  if (hash != replayed.hash || seq != replayed.last_seq)
    throw CheckFailed(fmt::format("jubiand recovered seq={} hash={}, a fresh replay gives seq={} hash={}", seq,
                                  to_hex(hash), replayed.last_seq, to_hex(replayed.hash)));

  CheckCounts counts;
  resolve_pending(workload, target, counts);
  check_retries(workload, target, options.retries_per_restart, counts);
  check_ledger(workload, target);
  totals.retried_pending += counts.retried_pending;
  totals.retried_answered += counts.retried_answered;
  totals.journal_records = replayed.last_seq;
}

DaemonOptions daemon_options(const RunOptions& options) {
  DaemonOptions daemon;
  daemon.program = options.jubiand;
  daemon.data_dir = options.work_dir / "data";
  daemon.rules_file = options.rules_file;
  daemon.categories_file = options.categories_file;
  daemon.log_file = options.work_dir / "jubiand.log";
  return daemon;
}

}  // namespace

RunTotals run_server_kills(const RunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto log = logger("torture");
  Workload workload(options.workload);
  Daemon daemon(daemon_options(options));
  std::mt19937_64 random(options.workload.seed ^ 0x5EEDu);
  RunTotals totals;

  for (uint32_t round = 0; round < options.kills; ++round) {
    restart_and_check(daemon, options, workload, totals);
    ServerTarget target(daemon.port());

    const auto delay = std::chrono::milliseconds(
        options.kill_after_min_ms + random() % (options.kill_after_max_ms - options.kill_after_min_ms + 1));
    std::atomic<bool> keep_going{true};
    const pid_t pid = daemon.pid();
    std::thread killer([&] {
      std::this_thread::sleep_for(delay);
      ::kill(pid, SIGKILL);
    });
    totals.acknowledged += drive_load(target, workload, options.window, keep_going);
    killer.join();
    daemon.kill();
    ++totals.kills;
    log->info("killed: round={} after_ms={} acknowledged={} pending={}", round + 1, delay.count(),
              totals.acknowledged, workload.pending().size());
  }

  // A last restart checks the final crash, and a clean stop checks the snapshot path.
  restart_and_check(daemon, options, workload, totals);
  const int status = daemon.stop();
  if (status != 0) throw CheckFailed(fmt::format("jubiand exited with status {} on SIGTERM", status));
  restart_and_check(daemon, options, workload, totals);
  daemon.stop();

  totals.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return totals;
}

RunTotals run_soak(const RunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto log = logger("torture");
  WorkloadOptions workload_options = options.workload;
  workload_options.keep_answered = false;
  Workload workload(workload_options);
  Daemon daemon(daemon_options(options));
  RunTotals totals;

  daemon.start();
  ServerTarget target(daemon.port());
  std::atomic<bool> keep_going{true};
  std::thread timer([&] {
    std::this_thread::sleep_for(std::chrono::minutes(options.soak_minutes));
    keep_going.store(false);
  });

  // The first sample is taken once the load has run for a while, so pools and buffers
  // that fill once count as the baseline.
  constexpr auto kWarmUp = std::chrono::seconds(10);
  std::thread sampler([&] {
    std::this_thread::sleep_for(kWarmUp);
    const MemoryUse first = read_memory_use(daemon.pid());
    fmt::print("soak_start: pid={} vm_hwm_kib={} vm_rss_kib={}\n", daemon.pid(), first.peak_kib, first.resident_kib);
    std::fflush(stdout);
  });
  totals.acknowledged = drive_load(target, workload, options.window, keep_going);
  timer.join();
  sampler.join();

  const MemoryUse last = read_memory_use(daemon.pid());
  fmt::print("soak_end: pid={} vm_hwm_kib={} vm_rss_kib={} acknowledged={}\n", daemon.pid(), last.peak_kib,
             last.resident_kib, totals.acknowledged);
  check_ledger(workload, target);
  if (daemon.stop() != 0) throw CheckFailed("jubiand did not stop cleanly after the soak");
  log->info("soak_done: minutes={} acknowledged={}", options.soak_minutes, totals.acknowledged);

  totals.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return totals;
}

}  // namespace jubian::torture
