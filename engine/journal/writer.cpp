// The writer thread: takes committed records, writes them as batches, syncs, publishes.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "engine/common/log.hpp"
#include "engine/journal/codes.hpp"
#include "engine/journal/format.hpp"
#include "engine/journal/journal.hpp"
#include "engine/journal/state.hpp"

namespace jubian::journal {
namespace {

// records_bytes is a u32 field, so one batch carries at most this many record bytes.
constexpr uint64_t kBatchRecordsBytesMax = std::numeric_limits<uint32_t>::max();

uint64_t elapsed_ns(std::chrono::steady_clock::time_point since) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - since).count());
}

}  // namespace

void Journal::start() {
  if (options_.read_only) throw std::logic_error("journal: start() on a read-only journal");
  if (thread_.joinable()) throw std::logic_error("journal: start() called twice");
  open_for_append();
  writer_->last_sync = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { writer_loop(); });
}

// Resumes in the last segment in use, or starts the first one. Either way the next
// segment is prepared on another thread, so that a roll does not wait for it.
void Journal::open_for_append() {
  auto& w = *writer_;
  if (w.segments.empty()) {
    w.segment_index = 0;
    if (!open_next_segment()) throw JournalError(io_failed, "journal: cannot create the first segment in " + options_.dir.string());
  } else {
    const auto& segment = w.segments.back();
    w.fd = ::open(segment.path.c_str(), O_WRONLY | O_CLOEXEC);
    struct stat status{};
    if (w.fd < 0 || ::fstat(w.fd, &status) != 0)
      throw JournalError(io_failed, fmt::format("journal: open {} failed: {}", segment.path.string(), std::strerror(errno)),
                         segment.path.filename().string());
    w.segment_index = segment.index;
    w.segment_name = segment.path.filename().string();
    w.segment_capacity = static_cast<uint64_t>(status.st_size);
    w.offset = w.ends.back();
    w.header_pending = false;
    w.segment_has_batches = w.offset > format::kSegmentHeaderBytes;
    if (::lseek(w.fd, static_cast<off_t>(w.offset), SEEK_SET) < 0)
      throw JournalError(io_failed, fmt::format("journal: lseek {} failed: {}", segment.path.string(), std::strerror(errno)),
                         w.segment_name, w.offset);
    prepare_next_segment();
  }
  logger("journal")->info("journal_append_position: segment={} offset={} next_seq={}", w.segment_name, w.offset,
                          w.written_seq + 1);
}

void Journal::writer_loop() {
  auto& w = *writer_;
  const bool async = options_.durability == Durability::async;
  const auto interval = std::chrono::milliseconds(options_.async_sync_interval_ms);

  for (;;) {
    bool stop = false;
    {
      std::unique_lock lock(mutex_);
      auto ready = [&] { return !queued_.empty() || stopping_; };
      if (async && w.unsynced) {
        writer_wake_.wait_until(lock, w.last_sync + interval, ready);
      } else {
        writer_wake_.wait(lock, ready);
      }
      std::swap(queued_, w.group);
      stop = stopping_ && w.group.empty();
    }
    space_free_.notify_all();

    if (!w.group.empty()) {
      if (!write_group()) return;
      groups_.fetch_add(1, std::memory_order_relaxed);
      w.group.clear();
    }
    const bool sync_due = std::chrono::steady_clock::now() - w.last_sync >= interval;
    if (async && w.unsynced && (stop || sync_due) && !sync_segment()) return;
    if (stop) return;
  }
}

// Writes the taken records as batches that fit the open segment (rolling to a new one
// when none fits), syncs once in sync mode, then publishes.
bool Journal::write_group() {
  auto& w = *writer_;
  size_t position = 0;
  while (position < w.group.size()) {
    const uint64_t end_of_header = w.offset + format::kBatchHeaderBytes;
    const uint64_t room = end_of_header <= w.segment_capacity
                              ? std::min(w.segment_capacity - end_of_header, kBatchRecordsBytesMax)
                              : 0;
    size_t bytes = 0;
    uint32_t count = 0;
    while (position + bytes < w.group.size()) {
      const auto record = format::load<format::RecordHeader>(w.group.data() + position + bytes);
      const size_t size = format::kRecordHeaderBytes + record.length;
      if (bytes + size > room) break;
      bytes += size;
      ++count;
    }

    if (count == 0) {
      if (!roll_segment()) return false;
      continue;
    }
    if (!write_batch(position, bytes, count)) return false;
    position += bytes;
  }

  if (options_.durability == Durability::sync && !sync_segment()) return false;
  publish();
  return true;
}

bool Journal::write_batch(size_t position, size_t bytes, uint32_t count) {
  auto& w = *writer_;
  const auto records = std::span<const uint8_t>(w.group.data() + position, bytes);
  const Seq first = w.written_seq + 1;
  const auto header = format::make_batch_header(w.hash, first, count, records);
  const uint64_t total = format::align_batch(format::kBatchHeaderBytes + bytes);
  const uint64_t prefix = w.header_pending ? format::kSegmentHeaderBytes : 0;

  w.out.resize(prefix + total);
  if (w.header_pending) {
    const auto segment_header = format::make_segment_header(first, w.segment_capacity, w.hash);
    std::memcpy(w.out.data(), &segment_header, format::kSegmentHeaderBytes);
  }
  uint8_t* batch = w.out.data() + prefix;
  std::memcpy(batch, &header, format::kBatchHeaderBytes);
  std::memcpy(batch + format::kBatchHeaderBytes, records.data(), bytes);
  std::memset(batch + format::kBatchHeaderBytes + bytes, 0, total - format::kBatchHeaderBytes - bytes);

  const uint8_t* data = w.out.data();
  size_t left = w.out.size();
  const auto started = std::chrono::steady_clock::now();
  while (left > 0) {
    const ssize_t written = options_.write_fn ? options_.write_fn(w.fd, data, left) : ::write(w.fd, data, left);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      fail("write", std::strerror(written < 0 ? errno : EIO));
      return false;
    }
    data += written;
    left -= static_cast<size_t>(written);
  }
  if (const auto ns = elapsed_ns(started); ns >= kSlowIoNs) log_slow_io("write", ns);

  w.offset += total;
  bytes_written_.fetch_add(total, std::memory_order_relaxed);
  w.header_pending = false;
  w.hash = header.chain_hash;
  w.written_seq = first + count - 1;
  w.segment_has_batches = true;
  w.unsynced = true;
  return true;
}

void Journal::prepare_next_segment() {
  auto& w = *writer_;
  w.next_segment = std::async(std::launch::async, [dir = options_.dir, next = w.segment_index + 1,
                                                   bytes = options_.segment_bytes] {
    return files::prepare_segment(dir, next, bytes);
  });
}

bool Journal::roll_segment() {
  auto& w = *writer_;
  if (!w.segment_has_batches) {
    fail("roll segment", "a record does not fit in an empty segment");
    return false;
  }
  if (!sync_segment()) return false;
  ::close(w.fd);
  w.fd = -1;
  return open_next_segment();
}

// Opens segment index+1 (prepared in the background, or now if that did not happen) and
// starts preparing the one after it.
bool Journal::open_next_segment() {
  auto& w = *writer_;
  const uint64_t index = w.segment_index + 1;
  std::filesystem::path path;
  try {
    path = w.next_segment.valid() ? w.next_segment.get() : files::prepare_segment(options_.dir, index, options_.segment_bytes);
  } catch (const std::exception& error) {
    fail("prepare segment", error.what());
    return false;
  }
  w.fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (w.fd < 0) {
    fail("open segment " + path.string(), std::strerror(errno));
    return false;
  }

  w.segment_index = index;
  w.segment_name = path.filename().string();
  w.segment_capacity = options_.segment_bytes;
  w.offset = format::kSegmentHeaderBytes;
  w.header_pending = true;
  w.segment_has_batches = false;
  prepare_next_segment();
  logger("journal")->info("journal_segment_opened: segment={} next_seq={}", w.segment_name, w.written_seq + 1);
  return true;
}

// Never retried: after a failed fdatasync the kernel may have dropped the dirty pages,
// so a later success would not prove that the data reached the disk.
bool Journal::sync_segment() {
  auto& w = *writer_;
  if (!w.unsynced) return true;
  const auto started = std::chrono::steady_clock::now();
  const int result = options_.fdatasync_fn ? options_.fdatasync_fn(w.fd) : ::fdatasync(w.fd);
  if (result != 0) {
    fail("fdatasync", std::strerror(errno));
    return false;
  }
  const uint64_t ns = elapsed_ns(started);
  sync_latency_.record(ns);
  w.unsynced = false;
  w.last_sync = std::chrono::steady_clock::now();
  if (ns >= kSlowIoNs) log_slow_io("fdatasync", ns);
  return true;
}

// Every acknowledgement of the group waits for its write and sync. A slow one is a stall
// at the clients, and this warning lets an operator trace such a stall to the disk.
void Journal::log_slow_io(const char* op, uint64_t ns) {
  auto& w = *writer_;
  const auto now = std::chrono::steady_clock::now();
  if (now - w.slow_io_logged < std::chrono::seconds(1)) {
    ++w.slow_io_unlogged;
    return;
  }
  logger("journal")->warn("journal_io_slow: op={} segment={} ms={:.1f} threshold_ms={} earlier_slow_calls_not_logged={}",
                          op, w.segment_name, static_cast<double>(ns) / 1e6, kSlowIoNs / 1'000'000,
                          w.slow_io_unlogged);
  w.slow_io_logged = now;
  w.slow_io_unlogged = 0;
}

Stats Journal::stats() const {
  Stats stats;
  stats.sync = sync_latency_.snapshot();
  stats.groups = groups_.load(std::memory_order_relaxed);
  stats.bytes_written = bytes_written_.load(std::memory_order_relaxed);
  return stats;
}

void Journal::publish() {
  auto& w = *writer_;
  {
    std::lock_guard lock(mutex_);
    last_hash_ = w.hash;
  }
  durable_seq_.store(w.written_seq, std::memory_order_release);
  if (on_durable_) on_durable_(w.written_seq, w.hash);
}

void Journal::fail(const std::string& operation, const std::string& error) {
  auto& w = *writer_;
  logger("journal")->error(
      "journal_write_failed: op=\"{}\" segment={} offset={} written_seq={} durable_seq={} error=\"{}\" "
      "action=\"writer stopped; nothing more is acknowledged\"",
      operation, w.segment_name, w.offset, w.written_seq, durable_seq(), error);
  {
    std::lock_guard lock(mutex_);
    failed_.store(true, std::memory_order_release);
  }
  space_free_.notify_all();
}

}  // namespace jubian::journal
