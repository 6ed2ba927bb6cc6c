// Kill-point mode: a forked child runs the pipeline in process and dies with _exit just
// before or just after a chosen fdatasync call of the journal writer. Before: the batch
// was written but not synced, so nothing in it was acknowledged. After: it is durable
// but the responder has not replied to it, so the retry must find it applied.

#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "engine/common/log.hpp"
#include "engine/pipeline/pipeline.hpp"
#include "tools/torture/checks.hpp"
#include "tools/torture/modes.hpp"

namespace jubian::torture {

namespace fs = std::filesystem;

namespace {

constexpr int kExitKilled = 77;             // the child reached its kill point
constexpr int kExitFinished = 78;           // the child sent every command first
constexpr uint32_t kCommandsPerRound = 4'000;
constexpr uint32_t kSyncCallsMax = 24;      // the kill point is fdatasync call 1 .. this
constexpr auto kResponseTimeout = std::chrono::seconds(30);

// One reply as the child writes it to the parent, in one write() under PIPE_BUF bytes.
struct AckRecord {
  RequestId request;
  Reply reply;
};

class PipelineTarget final : public Target {
 public:
  static constexpr size_t kWindow = 4096;

  explicit PipelineTarget(pipeline::Pipeline& pipeline) : pipeline_(pipeline), port_(1 << 16) {}
  ~PipelineTarget() override { (void)port_.wait_released(kResponseTimeout); }

  void send(const Command& command) {
    if (!pipeline_.submit(&port_, command)) throw CheckFailed("the pipeline rejected a submit");
  }

  pipeline::Response next() {
    pipeline::Response response;
    const auto deadline = std::chrono::steady_clock::now() + kResponseTimeout;
    while (!port_.responses.pop(response)) {
      if (std::chrono::steady_clock::now() > deadline) throw CheckFailed("no pipeline response within 30 s");
      std::this_thread::yield();
    }
    return response;
  }

  Reply call(const Command& command) override {
    send(command);
    return next().reply;
  }

  // One port returns replies in submission order, so they line up with the commands.
  std::vector<Reply> call_all(const std::vector<Command>& commands) override {
    std::vector<Reply> replies;
    for (size_t start = 0; start < commands.size(); start += kWindow) {
      const size_t end = std::min(commands.size(), start + kWindow);
      for (size_t i = start; i < end; ++i) send(commands[i]);
      for (size_t i = start; i < end; ++i) replies.push_back(next().reply);
    }
    return replies;
  }

 private:
  pipeline::Pipeline& pipeline_;
  pipeline::SessionPort port_;
};

pipeline::Options pipeline_options(const RunOptions& options, bool snapshot_at_stop) {
  pipeline::Options o;
  o.data_dir = options.work_dir / "data";
  o.rules_file = options.rules_file;
  o.categories_file = options.categories_file;
  o.segment_bytes = 1 << 20;  // small segments, so kills also land near segment rolls
  o.tick_interval_ms = 0;
  o.snapshot_at_stop = snapshot_at_stop;
  return o;
}

// Runs in the child: sends the round's commands, reports each reply through `out`, and
// dies at the kill point. Never returns.
[[noreturn]] void child_round(const RunOptions& options, const std::vector<Command>& commands, int out,
                              uint32_t kill_call, bool kill_before) {
  auto o = pipeline_options(options, false);
  uint32_t calls = 0;
  o.fdatasync_fn = [&calls, kill_call, kill_before](int fd) {
    ++calls;
    if (calls == kill_call && kill_before) ::_exit(kExitKilled);
    const int result = ::fdatasync(fd);
    if (calls == kill_call) ::_exit(kExitKilled);
    return result;
  };

  pipeline::Pipeline pipeline(o);
  PipelineTarget target(pipeline);
  for (size_t start = 0; start < commands.size(); start += options.window) {
    const size_t end = std::min(commands.size(), start + options.window);
    for (size_t i = start; i < end; ++i) target.send(commands[i]);
    for (size_t i = start; i < end; ++i) {
      const pipeline::Response response = target.next();
      const AckRecord record{response.request_id, response.reply};
      if (::write(out, &record, sizeof record) != static_cast<ssize_t>(sizeof record)) ::_exit(kExitFinished + 1);
    }
  }
  ::_exit(kExitFinished);
}

// Recovers the data directory in this process and runs every check against it.
void recover_and_check(const RunOptions& options, Workload& workload, bool snapshot_at_stop, RunTotals& totals) {
  const fs::path data_dir = options.work_dir / "data";
  if (fs::exists(data_dir / "journal")) run_wal_verify(options.jubian_wal, data_dir);
  const Replayed replayed = replay_journal(data_dir, options.rules_file, options.categories_file);

  pipeline::Pipeline pipeline(pipeline_options(options, snapshot_at_stop));
  if (pipeline.recovery().state_hash != replayed.hash)
    throw CheckFailed(fmt::format("recovery gives hash {}, a fresh replay {}", to_hex(pipeline.recovery().state_hash),
                                  to_hex(replayed.hash)));

  PipelineTarget target(pipeline);
  CheckCounts counts;
  resolve_pending(workload, target, counts);
  check_retries(workload, target, options.retries_per_restart, counts);
  check_ledger(workload, target);
  pipeline.stop();
  totals.retried_pending += counts.retried_pending;
  totals.retried_answered += counts.retried_answered;
  totals.journal_records = pipeline.last_applied();
}

// Reads AckRecords until the child closes the pipe, acknowledging each.
uint64_t read_acks(int in, Workload& workload) {
  uint64_t count = 0;
  AckRecord record{};
  while (true) {
    const ssize_t n = ::read(in, &record, sizeof record);
    if (n == 0) return count;
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof record)) throw CheckFailed("short read of an acknowledgement record");
    workload.acknowledge(record.request, record.reply);
    ++count;
  }
}

}  // namespace

RunTotals run_kill_points(const RunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto log = logger("torture");
  Workload workload(options.workload);
  std::mt19937_64 random(options.workload.seed ^ 0xFA17u);
  RunTotals totals;

  for (uint32_t round = 0; round < options.kill_points; ++round) {
    recover_and_check(options, workload, round % 2 == 1, totals);

    std::vector<Command> commands;
    for (uint32_t i = 0; i < kCommandsPerRound; ++i) commands.push_back(workload.next());
    const uint32_t kill_call = 1 + random() % kSyncCallsMax;
    const bool kill_before = random() % 2 == 0;

    int channel[2];
    if (::pipe(channel) != 0) throw CheckFailed(std::string("pipe failed: ") + std::strerror(errno));
    const pid_t child = ::fork();
    if (child < 0) throw CheckFailed(std::string("fork failed: ") + std::strerror(errno));
    if (child == 0) {
      ::close(channel[0]);
      child_round(options, commands, channel[1], kill_call, kill_before);
    }
    ::close(channel[1]);
    const uint64_t acknowledged = read_acks(channel[0], workload);
    ::close(channel[0]);

    int status = 0;
    ::waitpid(child, &status, 0);
    if (!WIFEXITED(status) || (WEXITSTATUS(status) != kExitKilled && WEXITSTATUS(status) != kExitFinished))
      throw CheckFailed(fmt::format("the pipeline child ended with status {}", status));
    if (WEXITSTATUS(status) == kExitKilled) ++totals.kills;
    totals.acknowledged += acknowledged;
    log->info("kill_point: round={} fdatasync_call={} {} acknowledged={} exit={}", round + 1, kill_call,
              kill_before ? "before" : "after", acknowledged, WEXITSTATUS(status));
  }
  recover_and_check(options, workload, true, totals);
  recover_and_check(options, workload, false, totals);

  totals.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return totals;
}

}  // namespace jubian::torture
