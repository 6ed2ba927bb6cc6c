#pragma once
// The write-ahead log. Every accepted command is appended here before it is acknowledged,
// so a restart rebuilds the same state. engine/journal/format.hpp has the byte layout and
// engine/journal/README.md the threads.
//
// Threads: one sequencer thread calls append() and commit(). The journal's own writer
// thread (start()) writes each group of committed records as one or more batches and
// fdatasyncs once per group. Then it publishes durable_seq() and calls on_durable.
// The interface is narrow on purpose (append a batch, learn it is durable, replay from a
// position) so that a replicated log can take the place of this local one.

#include <sys/types.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/common/latency_histogram.hpp"
#include "engine/common/result.hpp"
#include "engine/common/sha256.hpp"
#include "engine/common/types.hpp"

namespace jubian::journal {

namespace files {
struct SegmentFile;
}
namespace scan {
struct Result;
}

enum class Durability : uint8_t {
  sync,   // publish a batch only after fdatasync returned
  async,  // publish a batch after write(); fdatasync at least every async_sync_interval_ms
};

struct Options {
  std::filesystem::path dir;
  uint64_t segment_bytes = 64ull << 20;     // preallocated size of each segment file
  Durability durability = Durability::sync;
  uint32_t async_sync_interval_ms = 10;     // async: fdatasync at least this often
  uint64_t batch_bytes_max = 8ull << 20;    // append() blocks (backpressure) while this many bytes wait for the writer
  bool truncate_damaged = false;            // operator flag: cut the log at a damaged record instead of refusing to start (logged)
  bool read_only = false;                   // tools: recover and replay without creating, cutting or writing anything
  uint32_t snapshots_kept = 2;              // write_snapshot() removes older snapshots beyond this many
  std::function<int(int fd)> fdatasync_fn;  // seam for fault injection; empty = ::fdatasync
  std::function<ssize_t(int fd, const void*, size_t)> write_fn;  // seam; empty = ::write
};

// One record as replay() passes it; the payload points into a mapping that lives only
// for the duration of the callback.
// Counters of the writer thread, read by metrics at any time.
struct Stats {
  LatencyHistogram::Snapshot sync;  // fdatasync latency
  uint64_t groups = 0;              // commits written, each one fdatasync in sync mode
  uint64_t bytes_written = 0;
};

struct RecordView {
  uint16_t type;
  Seq seq;
  TimeNs time_ns;
  std::span<const uint8_t> payload;
};

// The position of a batch and its chain hash, which a trade voucher quotes.
struct BatchInfo {
  std::string segment;  // file name inside the journal directory
  uint64_t offset;      // byte offset of the batch header in that file
  Seq first_seq, last_seq;
  Digest chain_hash;
};

// A damaged journal or a failed I/O call, with the position it concerns.
class JournalError : public std::runtime_error {
 public:
  JournalError(ResultCode code, const std::string& message, std::string segment = {}, uint64_t offset = 0, Seq seq = 0);

  ResultCode code;
  std::string segment;  // file name, empty when the error concerns no segment
  uint64_t offset;      // byte offset inside the segment
  Seq seq;              // sequence number expected at that position
};

class Journal {
 public:
  // Opens the directory (creating an empty log if there is none) and recovers it. A torn
  // tail is cut and logged with its offset. A damaged record followed by valid ones
  // throws JournalError naming segment, offset and sequence, unless truncate_damaged.
  explicit Journal(Options options);
  ~Journal();  // close(): flush, sync, join
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  Seq last_seq() const;      // last record recovered or appended
  Digest last_hash() const;  // chain hash of the last batch written (all zero for an empty log)

  // Calls fn for every record with seq > after, in order, with the batch that contains it.
  // Used at recovery before appending starts, and by tools.
  void replay(Seq after, const std::function<void(const RecordView&, const BatchInfo&)>& fn) const;

  void start();  // starts the writer thread (after replay)

  // Sequencer thread only: adds one record to the open batch. seq must be last_seq()+1
  // (aborts otherwise). Blocks while batch_bytes_max bytes wait for the writer. Throws
  // JournalError(payload_too_large) for a payload that cannot fit in a segment. After
  // failed() turns true it discards the record: nothing more is acknowledged.
  void append(uint16_t type, Seq seq, TimeNs time_ns, std::span<const uint8_t> payload);

  // Wakes the writer: everything appended so far forms the next group. The writer takes
  // whatever is queued, writes it as batches, fdatasyncs once and then publishes.
  void commit();

  // Highest seq whose batch is durable (sync) or written (async).
  Seq durable_seq() const;

  Stats stats() const;

  // Runs on the writer thread after each group becomes durable (sync) or written
  // (async), with its last seq and chain hash. Set before start().
  void set_on_durable(std::function<void(Seq last, const Digest& hash)> fn);

  // True once the writer stopped on a write or fdatasync error; nothing more is ever
  // acknowledged, and the error was logged with segment and offset.
  bool failed() const;

  void close();

  // Writes a snapshot of the state as of seq: temp file, fsync, rename, fsync the directory.
  void write_snapshot(Seq seq, const Digest& chain_hash, std::span<const uint8_t> state);

  struct Snapshot {
    Seq seq;
    Digest chain_hash;
    std::vector<uint8_t> state;
    std::filesystem::path path;
  };
  // The newest snapshot whose header and CRC32C are valid; damaged ones are logged and skipped.
  static std::optional<Snapshot> load_latest_snapshot(const std::filesystem::path& dir);

  // Checks every CRC32C, sequence continuity and the whole hash chain without changing
  // anything. A torn tail is not an error (recovery cuts it) and is reported in torn_tail.
  struct VerifyReport {
    bool ok;
    uint64_t records, batches;
    Seq last_seq;
    Digest final_hash;
    std::string error;    // what failed, empty when ok
    std::string segment;  // first bad position (or where a torn tail starts)
    uint64_t offset;
    Seq seq;
    ResultCode code;      // journal code of the failure, ok otherwise
    bool torn_tail;
    uint64_t segments, bytes;  // segment files, and bytes of valid batches in them
    uint64_t segments_unused;  // prepared segment files that hold no batch yet
    Seq first_seq;
    TimeNs first_time_ns, last_time_ns;
  };
  static VerifyReport verify(const std::filesystem::path& dir);

 private:
  struct Writer;

  void recover();
  void cut(scan::Result& result, std::vector<files::SegmentFile>& segments);
  void drop_unused_segments(scan::Result& result, std::vector<files::SegmentFile>& segments);
  void open_for_append();
  void writer_loop();
  [[nodiscard]] bool write_group();
  [[nodiscard]] bool write_batch(size_t position, size_t bytes, uint32_t count);
  [[nodiscard]] bool roll_segment();
  [[nodiscard]] bool open_next_segment();
  void prepare_next_segment();
  [[nodiscard]] bool sync_segment();
  void log_slow_io(const char* op, uint64_t ns);
  // A write or fdatasync at least this long is logged (journal_io_slow).
  static constexpr uint64_t kSlowIoNs = 20'000'000;
  void publish();
  void fail(const std::string& operation, const std::string& error);

  Options options_;
  std::atomic<Seq> last_seq_{0};  // written by the sequencer thread (append) and recovery
  std::unique_ptr<Writer> writer_;

  mutable std::mutex mutex_;             // guards queued_, stopping_, last_hash_
  Digest last_hash_{};                   // chain hash of the last published batch
  std::condition_variable writer_wake_;  // the writer waits for queued records
  std::condition_variable space_free_;   // append() waits for backpressure to clear
  std::vector<uint8_t> staging_;         // sequencer thread only: appended, not yet committed
  std::vector<uint8_t> queued_;          // committed, not yet taken by the writer
  bool stopping_ = false;

  std::atomic<Seq> durable_seq_{0};
  std::atomic<bool> failed_{false};
  // Written by the writer thread only; relaxed, because metrics need no exact snapshot.
  LatencyHistogram sync_latency_;
  std::atomic<uint64_t> groups_{0}, bytes_written_{0};
  std::function<void(Seq, const Digest&)> on_durable_;
  std::thread thread_;
  bool closed_ = false;
};

}  // namespace jubian::journal
