// Journal throughput and commit latency with sync durability, beside the raw fdatasync
// rate of the same disk measured in the same run.
//
//   build/bin/bench-journal --benchmark_min_time=0.2
//
// BM_JournalDurable/<record bytes>/<records per commit>: the calling thread plays the
// sequencer. It appends one commit's records, commits, and keeps at most two commits in
// flight (one being written and synced, one queued), as the pipeline's sequencer does
// when the disk is the bottleneck. Latency is from commit() to the on_durable callback.

#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "engine/journal/journal.hpp"

namespace {

namespace fs = std::filesystem;
using jubian::Seq;
using jubian::journal::Journal;

constexpr size_t kCommitsRecordedMax = 1 << 20;
constexpr uint64_t kRawFileBytes = 256ull << 20;
constexpr uint16_t kRecordType = 0x0100;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A fresh directory under /tmp, removed when the benchmark case ends.
struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/jubian-bench-journal-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) std::abort();
    path = pattern;
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

// Commit start times, filled by the sequencer and completed by the writer's callback.
struct LatencyLog {
  std::vector<int64_t> start_ns = std::vector<int64_t>(kCommitsRecordedMax);
  std::vector<Seq> last_seq = std::vector<Seq>(kCommitsRecordedMax);
  std::vector<int64_t> latency_ns = std::vector<int64_t>(kCommitsRecordedMax);
  std::atomic<size_t> commits{0};
  size_t completed = 0;  // writer thread only

  void on_durable(Seq durable) {
    const int64_t now = now_ns();
    const size_t started = commits.load(std::memory_order_acquire);
    while (completed < started && last_seq[completed] <= durable) {
      latency_ns[completed] = now - start_ns[completed];
      ++completed;
    }
  }

  double percentile_us(double fraction) {
    if (completed == 0) return 0;
    std::vector<int64_t> sorted(latency_ns.begin(), latency_ns.begin() + static_cast<std::ptrdiff_t>(completed));
    std::sort(sorted.begin(), sorted.end());
    const size_t index = std::min(sorted.size() - 1, static_cast<size_t>(fraction * static_cast<double>(sorted.size())));
    return static_cast<double>(sorted[index]) / 1000.0;
  }
};

void BM_JournalDurable(benchmark::State& state) {
  const auto record_bytes = static_cast<size_t>(state.range(0));
  const auto per_commit = static_cast<size_t>(state.range(1));
  TempDir dir;
  jubian::journal::Options options;
  options.dir = dir.path;
  Journal journal(options);
  LatencyLog log;
  journal.set_on_durable([&](Seq last, const jubian::Digest&) { log.on_durable(last); });
  journal.start();

  const std::vector<uint8_t> payload(record_bytes, 0xA5);
  std::vector<Seq> commit_ends;
  Seq seq = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < per_commit; ++i) {
      ++seq;
      journal.append(kRecordType, seq, static_cast<jubian::TimeNs>(seq), payload);
    }
    const size_t index = log.commits.load(std::memory_order_relaxed);
    if (index < kCommitsRecordedMax) {
      log.start_ns[index] = now_ns();
      log.last_seq[index] = seq;
      log.commits.store(index + 1, std::memory_order_release);
    }
    journal.commit();

    commit_ends.push_back(seq);
    if (commit_ends.size() >= 2) {
      const Seq wait_for = commit_ends[commit_ends.size() - 2];
      while (journal.durable_seq() < wait_for && !journal.failed()) std::this_thread::yield();
    }
  }
  while (journal.durable_seq() < seq && !journal.failed()) std::this_thread::yield();
  journal.close();
  if (journal.failed()) state.SkipWithError("journal writer failed");

  state.SetItemsProcessed(static_cast<int64_t>(seq));
  state.SetBytesProcessed(static_cast<int64_t>(seq * record_bytes));
  state.counters["commit_p50_us"] = log.percentile_us(0.50);
  state.counters["commit_p99_us"] = log.percentile_us(0.99);
}
BENCHMARK(BM_JournalDurable)
    ->ArgNames({"record_bytes", "per_commit"})
    ->ArgsProduct({{64, 256}, {1, 16, 256, 4096}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// The disk's own rate: append 64 bytes to a preallocated file and fdatasync, as the
// journal does for a commit of one record.
void BM_RawFdatasync(benchmark::State& state) {
  TempDir dir;
  const auto path = dir.path / "raw.bin";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || ::posix_fallocate(fd, 0, static_cast<off_t>(kRawFileBytes)) != 0) {
    state.SkipWithError("cannot create the preallocated file");
    return;
  }
  const std::vector<uint8_t> block(64, 0x5A);
  uint64_t offset = 0;
  for (auto _ : state) {
    if (::pwrite(fd, block.data(), block.size(), static_cast<off_t>(offset)) != static_cast<ssize_t>(block.size()) ||
        ::fdatasync(fd) != 0) {
      state.SkipWithError("pwrite or fdatasync failed");
      break;
    }
    offset = (offset + block.size()) % kRawFileBytes;
  }
  ::close(fd);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_RawFdatasync)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
