#include "engine/journal/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "engine/common/log.hpp"
#include "engine/journal/codes.hpp"
#include "engine/journal/format.hpp"
#include "engine/journal/scan.hpp"
#include "engine/journal/state.hpp"

namespace jubian::journal {
namespace {

const char* durability_name(Durability durability) { return durability == Durability::sync ? "sync" : "async"; }

[[noreturn]] void abort_with(const char* what, Seq expected, Seq got) {
  std::fprintf(stderr, "journal: %s: expected seq %llu, got %llu\n", what, static_cast<unsigned long long>(expected),
               static_cast<unsigned long long>(got));
  std::abort();
}

JournalError error_from(const scan::Result& result, const std::vector<files::SegmentFile>& segments) {
  const auto& segment = segments[result.segment_index].path.filename().string();
  return JournalError(result.code,
                      fmt::format("journal damaged: {} (segment={} offset={} seq={}); start with truncate_damaged to cut "
                                  "the log there",
                                  result.error, segment, result.fault_offset, result.fault_seq),
                      segment, result.fault_offset, result.fault_seq);
}

}  // namespace

JournalError::JournalError(ResultCode code_, const std::string& message, std::string segment_, uint64_t offset_, Seq seq_)
    : std::runtime_error(message), code(code_), segment(std::move(segment_)), offset(offset_), seq(seq_) {}

Journal::Journal(Options options) : options_(std::move(options)), writer_(std::make_unique<Writer>()) {
  if (options_.segment_bytes < format::kSegmentHeaderBytes + format::kBatchHeaderBytes + 2 * format::kRecordHeaderBytes)
    throw std::invalid_argument(fmt::format("journal segment_bytes {} is too small", options_.segment_bytes));
  recover();
}

Journal::~Journal() { close(); }

void Journal::recover() {
  auto log = logger("journal");
  if (!options_.read_only) {
    std::filesystem::create_directories(options_.dir);
    if (const size_t removed = files::remove_temp_files(options_.dir); removed > 0)
      log->warn("journal_temp_removed: dir={} files={}", options_.dir.string(), removed);
  }
  auto segments = files::list_segments(options_.dir);
  auto result = scan::scan(segments, 0, nullptr);
  log->info("journal_open: dir={} durability={} segment_bytes={} async_sync_interval_ms={} segments={} records={} last_seq={}",
            options_.dir.string(), durability_name(options_.durability), options_.segment_bytes,
            options_.async_sync_interval_ms, segments.size(), result.records, result.last_seq);

  if (options_.durability == Durability::async)
    log->warn("journal_async: acknowledgements precede fdatasync by up to {} ms; a crash can lose them",
              options_.async_sync_interval_ms);
  if (result.end == scan::End::damaged && !options_.truncate_damaged) throw error_from(result, segments);
  if (result.end != scan::End::clean) cut(result, segments);
  drop_unused_segments(result, segments);

  writer_->segments = std::move(segments);
  writer_->ends = std::move(result.ends);
  writer_->first_seqs = std::move(result.first_seqs);
  writer_->hash = result.last_hash;
  writer_->written_seq = result.last_seq;
  last_seq_.store(result.last_seq);
  last_hash_ = result.last_hash;
  durable_seq_.store(result.last_seq);
}

// Ends the log where a torn tail or (with truncate_damaged) damage begins: zeroes the
// rest of that segment and removes later segments. Read-only journals only stop there.
void Journal::cut(scan::Result& result, std::vector<files::SegmentFile>& segments) {
  auto log = logger("journal");
  const size_t index = result.segment_index;
  const auto& name = segments[index].path.filename().string();
  const char* action = options_.read_only ? "\"read up to here, file unchanged (read-only)\"" : "cut";
  if (result.end == scan::End::torn) {
    log->warn("journal_torn_tail: segment={} offset={} seq={} reason=\"{}\" action={}", name, result.cut_offset,
              result.fault_seq, result.error, action);
  } else {
    log->error("journal_truncate_damaged: segment={} offset={} seq={} reason=\"{}\" action={}", name, result.fault_offset,
               result.fault_seq, result.error, action);
  }

  const bool whole_segment = result.cut_offset == 0;
  const size_t keep = whole_segment ? index : index + 1;
  if (!options_.read_only) {
    for (size_t i = keep; i < segments.size(); ++i) {
      log->warn("journal_segment_removed: segment={}", segments[i].path.filename().string());
      std::filesystem::remove(segments[i].path);
    }
    if (!whole_segment) {
      const uint64_t zeroed = files::zero_tail(segments[index].path, result.cut_offset);
      log->info("journal_cut: segment={} offset={} zeroed_bytes={}", name, result.cut_offset, zeroed);
    }
    files::sync_directory(options_.dir);
  }

  segments.resize(keep);
  result.ends.resize(keep);
  result.first_seqs.resize(keep);
  if (!whole_segment) result.ends[index] = result.cut_offset;
}

// Removes prepared segments that were never used after the last one in use, so that
// appending resumes in the last segment in use.
void Journal::drop_unused_segments(scan::Result& result, std::vector<files::SegmentFile>& segments) {
  size_t keep = segments.size();
  while (keep > 0 && result.first_seqs[keep - 1] == 0) --keep;
  if (!options_.read_only) {
    for (size_t i = keep; i < segments.size(); ++i) std::filesystem::remove(segments[i].path);
  }
  segments.resize(keep);
  result.ends.resize(keep);
  result.first_seqs.resize(keep);
}

Seq Journal::last_seq() const { return last_seq_.load(std::memory_order_acquire); }

Digest Journal::last_hash() const {
  std::lock_guard lock(mutex_);
  return last_hash_;
}

Seq Journal::durable_seq() const { return durable_seq_.load(std::memory_order_acquire); }

bool Journal::failed() const { return failed_.load(std::memory_order_acquire); }

void Journal::set_on_durable(std::function<void(Seq last, const Digest& hash)> fn) { on_durable_ = std::move(fn); }

void Journal::replay(Seq after, const std::function<void(const RecordView&, const BatchInfo&)>& fn) const {
  const auto& segments = writer_->segments;
  const auto& first_seqs = writer_->first_seqs;
  if (segments.empty()) return;
  if (after + 1 < first_seqs.front())
    throw JournalError(sequence_gap,
                       fmt::format("journal replay: records after seq {} are missing; the oldest segment starts at {}",
                                   after, first_seqs.front()),
                       segments.front().path.filename().string(), 0, after + 1);

  size_t from = 0;
  while (from + 1 < segments.size() && first_seqs[from + 1] <= after + 1) ++from;

  auto visit = [&](const scan::BatchView& batch) {
    const Seq last = batch.header.first_seq + batch.header.record_count - 1;
    if (last <= after) return;
    const BatchInfo info{batch.segment->path.filename().string(), batch.offset, batch.header.first_seq, last,
                         batch.header.chain_hash};
    scan::for_each_record(batch.records, [&](const format::RecordHeader& record, std::span<const uint8_t> payload) {
      if (record.seq > after) fn(RecordView{record.type, record.seq, record.time_ns, payload}, info);
    });
  };
  const auto result = scan::scan(segments, from, visit, &writer_->ends);
  if (result.end != scan::End::clean) throw error_from(result, segments);
}

void Journal::append(uint16_t type, Seq seq, TimeNs time_ns, std::span<const uint8_t> payload) {
  if (!thread_.joinable()) abort_with("append() before start()", last_seq() + 1, seq);
  if (seq != last_seq() + 1) abort_with("append() out of sequence", last_seq() + 1, seq);
  if (payload.size() > format::payload_max(options_.segment_bytes))
    throw JournalError(payload_too_large,
                       fmt::format("journal record of {} bytes does not fit in a segment of {} bytes; raise segment_bytes",
                                   payload.size(), options_.segment_bytes),
                       {}, 0, seq);

  last_seq_.store(seq, std::memory_order_release);
  if (failed()) return;
  format::append_record(staging_, type, seq, time_ns, payload);
  if (staging_.size() >= options_.batch_bytes_max) commit();
}

void Journal::commit() {
  if (staging_.empty()) return;
  std::unique_lock lock(mutex_);
  space_free_.wait(lock, [&] { return queued_.size() < options_.batch_bytes_max || failed() || stopping_; });
  if (failed()) {
    staging_.clear();
    return;
  }
  if (queued_.empty()) {
    std::swap(queued_, staging_);
  } else {
    queued_.insert(queued_.end(), staging_.begin(), staging_.end());
    staging_.clear();
  }
  lock.unlock();
  writer_wake_.notify_one();
}

void Journal::close() {
  if (closed_) return;
  closed_ = true;
  if (thread_.joinable()) {
    commit();
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    writer_wake_.notify_one();
    thread_.join();
  }
  if (writer_->fd >= 0) {
    ::close(writer_->fd);
    writer_->fd = -1;
  }
  logger("journal")->info("journal_closed: dir={} last_seq={} durable_seq={} failed={}", options_.dir.string(), last_seq(),
                          durable_seq(), failed());
}

Journal::VerifyReport Journal::verify(const std::filesystem::path& dir) {
  const auto segments = files::list_segments(dir);
  const auto result = scan::scan(segments, 0, nullptr);

  VerifyReport report{};
  report.ok = result.end != scan::End::damaged;
  report.torn_tail = result.end == scan::End::torn;
  report.code = result.code;
  report.error = result.error;
  report.records = result.records;
  report.batches = result.batches;
  report.bytes = result.bytes;
  report.segments = segments.size();
  report.segments_unused = static_cast<uint64_t>(std::count(result.first_seqs.begin(), result.first_seqs.end(), Seq{0}));
  report.first_seq = result.first_seq;
  report.last_seq = result.last_seq;
  report.final_hash = result.last_hash;
  report.first_time_ns = result.first_time_ns;
  report.last_time_ns = result.last_time_ns;
  if (result.end != scan::End::clean) {
    report.segment = segments[result.segment_index].path.filename().string();
    report.offset = result.end == scan::End::torn ? result.cut_offset : result.fault_offset;
    report.seq = result.fault_seq;
  }
  return report;
}

}  // namespace jubian::journal
