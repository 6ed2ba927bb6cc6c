#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/journal/codes.hpp"
#include "engine/journal/format.hpp"
#include "engine/journal/journal.hpp"

namespace jubian::journal {
namespace {

namespace fs = std::filesystem;

constexpr uint16_t kType = 0x0100;
constexpr TimeNs kBaseTimeNs = 1'780'000'000'000'000'000;
constexpr size_t kPayloadBytes = 40;
constexpr uint64_t kSmallSegmentBytes = 64 << 10;

std::vector<uint8_t> payload_for(Seq seq, size_t bytes = kPayloadBytes) {
  std::vector<uint8_t> payload(bytes);
  for (size_t i = 0; i < bytes; ++i) payload[i] = static_cast<uint8_t>(seq * 31 + i);
  return payload;
}

bool wait_until(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

enum class Pace : uint8_t {
  free,              // commit and go on: the writer may merge commits into one group
  batch_per_commit,  // wait until each commit is durable, so each forms its own batch
};

// Appends seq from..to (inclusive) in commits of per_commit records.
void append_range(Journal& journal, Seq from, Seq to, size_t per_commit, Pace pace = Pace::free) {
  for (Seq seq = from; seq <= to; ++seq) {
    const auto payload = payload_for(seq);
    journal.append(kType, seq, kBaseTimeNs + static_cast<TimeNs>(seq), payload);
    if ((seq - from + 1) % per_commit != 0 && seq != to) continue;
    journal.commit();
    if (pace == Pace::batch_per_commit) {
      ASSERT_TRUE(wait_until([&] { return journal.durable_seq() == seq; }));
    }
  }
}

struct Replayed {
  std::vector<Seq> seqs;
  std::vector<BatchInfo> batches;
  bool payloads_match = true;
};

Replayed replay_all(const Journal& journal, Seq after = 0) {
  Replayed replayed;
  journal.replay(after, [&](const RecordView& record, const BatchInfo& batch) {
    replayed.seqs.push_back(record.seq);
    const auto expected = payload_for(record.seq, record.payload.size());
    if (record.type != kType || record.time_ns != kBaseTimeNs + static_cast<TimeNs>(record.seq) ||
        !std::equal(expected.begin(), expected.end(), record.payload.begin()) || record.seq < batch.first_seq ||
        record.seq > batch.last_seq)
      replayed.payloads_match = false;
    if (replayed.batches.empty() || replayed.batches.back().first_seq != batch.first_seq) replayed.batches.push_back(batch);
  });
  return replayed;
}

void flip_byte(const fs::path& path, uint64_t offset) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(static_cast<std::streamoff>(offset));
  char byte = 0;
  file.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0x5A);
  file.seekp(static_cast<std::streamoff>(offset));
  file.write(&byte, 1);
}

void zero_from(const fs::path& path, uint64_t offset, uint64_t end) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(static_cast<std::streamoff>(offset));
  const std::vector<char> zeros(end - offset, 0);
  file.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
}

std::vector<uint8_t> read_bytes(const fs::path& path, uint64_t offset, size_t size) {
  std::ifstream file(path, std::ios::binary);
  file.seekg(static_cast<std::streamoff>(offset));
  std::vector<uint8_t> bytes(size);
  file.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  return bytes;
}

void write_bytes(const fs::path& path, uint64_t offset, std::span<const uint8_t> bytes) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(static_cast<std::streamoff>(offset));
  file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/jubian-journal-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    dir_ = root_ / "wal";
  }
  void TearDown() override { fs::remove_all(root_); }

  Options options(uint64_t segment_bytes = kSmallSegmentBytes) const {
    Options result;
    result.dir = dir_;
    result.segment_bytes = segment_bytes;
    return result;
  }

  // Appends count records in batches of per_commit records and closes the journal.
  void write_log(Seq count, size_t per_commit, uint64_t segment_bytes = kSmallSegmentBytes) {
    Journal journal(options(segment_bytes));
    journal.start();
    append_range(journal, journal.last_seq() + 1, journal.last_seq() + count, per_commit, Pace::batch_per_commit);
  }

  // The byte offset of a record in its segment, found through replay.
  std::pair<fs::path, uint64_t> record_position(Seq seq) {
    Journal journal(options());
    std::pair<fs::path, uint64_t> position;
    journal.replay(seq - 1, [&](const RecordView& record, const BatchInfo& batch) {
      if (record.seq != seq) return;
      const uint64_t index = seq - batch.first_seq;
      position = {dir_ / batch.segment,
                  batch.offset + format::kBatchHeaderBytes + index * (format::kRecordHeaderBytes + kPayloadBytes)};
    });
    return position;
  }

  fs::path root_;
  fs::path dir_;
};

TEST_F(JournalTest, EmptyLogOpensAtZero) {
  Journal journal(options());
  EXPECT_EQ(journal.last_seq(), 0u);
  EXPECT_EQ(journal.last_hash(), Digest{});
  EXPECT_EQ(replay_all(journal).seqs.size(), 0u);

  const auto report = Journal::verify(dir_);
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.records, 0u);
  EXPECT_EQ(report.segments, 0u);
}

TEST_F(JournalTest, RoundTripOfManyBatches) {
  Digest hash_at_close{};
  {
    Journal journal(options(4ull << 20));
    Seq durable_seen = 0;
    journal.set_on_durable([&](Seq last, const Digest&) { durable_seen = last; });
    journal.start();
    Seq next = 1;
    for (size_t per_commit : {1, 3, 16, 255, 1000, 7}) {
      append_range(journal, next, next + per_commit * 5 - 1, per_commit);
      next += per_commit * 5;
    }
    ASSERT_TRUE(wait_until([&] { return journal.durable_seq() == next - 1; }));
    journal.close();
    EXPECT_EQ(durable_seen, next - 1);
    hash_at_close = journal.last_hash();
  }

  Journal reopened(options(4ull << 20));
  const auto replayed = replay_all(reopened);
  ASSERT_EQ(replayed.seqs.size(), 6410u);
  for (size_t i = 0; i < replayed.seqs.size(); ++i) ASSERT_EQ(replayed.seqs[i], i + 1);
  EXPECT_TRUE(replayed.payloads_match);
  for (size_t i = 1; i < replayed.batches.size(); ++i)
    ASSERT_EQ(replayed.batches[i].first_seq, replayed.batches[i - 1].last_seq + 1);
  EXPECT_EQ(reopened.last_seq(), 6410u);
  EXPECT_EQ(reopened.last_hash(), hash_at_close);
  EXPECT_NE(hash_at_close, Digest{});
}

TEST_F(JournalTest, ReopenKeepsAppending) {
  write_log(100, 10);
  Digest first_hash{};
  {
    Journal journal(options());
    EXPECT_EQ(journal.last_seq(), 100u);
    first_hash = journal.last_hash();
    journal.start();
    append_range(journal, 101, 250, 25);
  }

  Journal journal(options());
  EXPECT_EQ(journal.last_seq(), 250u);
  EXPECT_NE(journal.last_hash(), first_hash);
  const auto replayed = replay_all(journal);
  EXPECT_EQ(replayed.seqs.size(), 250u);
  EXPECT_TRUE(replayed.payloads_match);
  EXPECT_TRUE(Journal::verify(dir_).ok);
}

TEST_F(JournalTest, SequenceContinuesAcrossSegments) {
  constexpr uint64_t kTinySegmentBytes = 4096;
  write_log(1000, 7, kTinySegmentBytes);
  write_log(500, 50, kTinySegmentBytes);

  const auto report = Journal::verify(dir_);
  EXPECT_TRUE(report.ok) << report.error;
  EXPECT_GT(report.segments, 10u);
  EXPECT_EQ(report.records, 1500u);
  EXPECT_EQ(report.last_seq, 1500u);

  Journal journal(options(kTinySegmentBytes));
  const auto tail = replay_all(journal, 700);
  ASSERT_EQ(tail.seqs.size(), 800u);
  EXPECT_EQ(tail.seqs.front(), 701u);
  EXPECT_EQ(tail.seqs.back(), 1500u);
  EXPECT_TRUE(tail.payloads_match);
}

// A crash while writing the last record leaves zeros (preallocated space) from some
// byte of it onward. Every such cut must recover to the batch before.
TEST_F(JournalTest, TornTailAtEveryOffsetIsCut) {
  write_log(20, 4);
  {
    Journal journal(options());
    journal.start();
    append_range(journal, 21, 21, 1);
  }
  const auto [segment, record_offset] = record_position(21);
  const uint64_t batch_offset = record_offset - format::kBatchHeaderBytes;
  const uint64_t end = record_offset + format::kRecordHeaderBytes + kPayloadBytes;
  const auto pristine = root_ / "pristine";
  fs::copy(dir_, pristine);

  for (uint64_t cut = batch_offset; cut < end; ++cut) {
    fs::remove_all(dir_);
    fs::copy(pristine, dir_);
    zero_from(segment, cut, end);
    {
      Journal journal(options());
      ASSERT_EQ(journal.last_seq(), 20u) << "cut at " << cut;
      journal.start();
      append_range(journal, 21, 22, 2);
    }
    Journal reopened(options());
    ASSERT_EQ(reopened.last_seq(), 22u) << "cut at " << cut;
    const auto replayed = replay_all(reopened);
    ASSERT_EQ(replayed.seqs.size(), 22u) << "cut at " << cut;
    ASSERT_TRUE(replayed.payloads_match) << "cut at " << cut;
  }
}

TEST_F(JournalTest, IncompleteFinalBatchIsCutWhole) {
  write_log(10, 10);
  {
    Journal journal(options());
    journal.start();
    append_range(journal, 11, 15, 5);
  }
  const auto [segment, record_offset] = record_position(14);
  zero_from(segment, record_offset, record_offset + 2 * (format::kRecordHeaderBytes + kPayloadBytes));

  EXPECT_TRUE(Journal::verify(dir_).torn_tail);
  Journal journal(options());
  EXPECT_EQ(journal.last_seq(), 10u);
  EXPECT_EQ(replay_all(journal).seqs.size(), 10u);
  EXPECT_TRUE(Journal::verify(dir_).ok);
  EXPECT_FALSE(Journal::verify(dir_).torn_tail);
}

// The segment header is written together with the segment's first batch, so a crash can
// tear both. Recovery then drops the whole segment and resumes in the one before.
TEST_F(JournalTest, TornSegmentHeaderDropsSegment) {
  constexpr uint64_t kTinySegmentBytes = 4096;
  write_log(300, 10, kTinySegmentBytes);
  BatchInfo first_in_last{};
  {
    Journal journal(options(kTinySegmentBytes));
    std::string last_segment;
    journal.replay(0, [&](const RecordView&, const BatchInfo& batch) {
      if (batch.segment != last_segment) first_in_last = batch;
      last_segment = batch.segment;
    });
  }
  const auto last_segment = dir_ / first_in_last.segment;
  const auto ends = Journal::verify(dir_);
  ASSERT_EQ(ends.last_seq, 300u);
  zero_from(last_segment, 10, kTinySegmentBytes);

  {
    Journal journal(options(kTinySegmentBytes));
    EXPECT_EQ(journal.last_seq(), first_in_last.first_seq - 1);
    EXPECT_FALSE(fs::exists(last_segment));
    journal.start();
    append_range(journal, first_in_last.first_seq, 320, 10);
  }
  Journal journal(options(kTinySegmentBytes));
  EXPECT_EQ(journal.last_seq(), 320u);
  EXPECT_EQ(replay_all(journal).seqs.size(), 320u);
}

TEST_F(JournalTest, FlippedByteInMiddleRejectsStart) {
  write_log(200, 10);
  const auto [segment, record_offset] = record_position(95);
  flip_byte(segment, record_offset + format::kRecordHeaderBytes + 3);

  try {
    Journal journal(options());
    FAIL() << "the journal opened over a damaged record";
  } catch (const JournalError& error) {
    EXPECT_EQ(error.code, record_damaged);
    EXPECT_EQ(error.segment, segment.filename().string());
    EXPECT_EQ(error.offset, record_offset);
    EXPECT_EQ(error.seq, 95u);
    EXPECT_NE(std::string(error.what()).find("offset=" + std::to_string(record_offset)), std::string::npos);
  }

  const auto report = Journal::verify(dir_);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.code, record_damaged);
  EXPECT_EQ(report.segment, segment.filename().string());
  EXPECT_EQ(report.offset, record_offset);
  EXPECT_EQ(report.seq, 95u);
}

TEST_F(JournalTest, TruncateDamagedCutsAtBatchStart) {
  write_log(200, 10);
  const auto [segment, record_offset] = record_position(95);
  flip_byte(segment, record_offset + format::kRecordHeaderBytes + 3);

  auto cut_options = options();
  cut_options.truncate_damaged = true;
  {
    Journal journal(cut_options);
    EXPECT_EQ(journal.last_seq(), 90u);
    journal.start();
    append_range(journal, 91, 100, 10);
  }
  Journal journal(options());
  EXPECT_EQ(journal.last_seq(), 100u);
  EXPECT_TRUE(Journal::verify(dir_).ok);
}

TEST_F(JournalTest, ZeroedPageBeforeValidBatchesIsDamage) {
  write_log(200, 10);
  const auto [segment, record_offset] = record_position(51);
  const uint64_t batch_offset = record_offset - format::kBatchHeaderBytes;
  zero_from(segment, batch_offset, batch_offset + 512);

  EXPECT_THROW(Journal journal(options()), JournalError);
  EXPECT_FALSE(Journal::verify(dir_).ok);
}

TEST_F(JournalTest, PayloadChangeWithRecomputedCrcBreaksChain) {
  write_log(200, 10);
  const auto [segment, record_offset] = record_position(120);
  auto record = read_bytes(segment, record_offset, format::kRecordHeaderBytes + kPayloadBytes);
  record[format::kRecordHeaderBytes + 5] ^= 0x01;
  auto header = format::load<format::RecordHeader>(record.data());
  header.crc = format::record_crc(header, std::span(record).subspan(format::kRecordHeaderBytes));
  std::memcpy(record.data(), &header, sizeof(header));
  write_bytes(segment, record_offset, record);

  try {
    Journal journal(options());
    FAIL() << "the journal opened over a changed record";
  } catch (const JournalError& error) {
    EXPECT_EQ(error.code, chain_mismatch);
    EXPECT_EQ(error.seq, 111u);
  }
  const auto report = Journal::verify(dir_);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.code, chain_mismatch);
}

TEST_F(JournalTest, SnapshotLoadPicksNewestValid) {
  EXPECT_FALSE(Journal::load_latest_snapshot(dir_).has_value());
  Journal journal(options());
  const std::vector<uint8_t> older = {1, 2, 3};
  const std::vector<uint8_t> newer = {4, 5, 6, 7};
  Digest hash{};
  hash[0] = 9;
  journal.write_snapshot(10, hash, older);
  journal.write_snapshot(20, hash, newer);

  auto latest = Journal::load_latest_snapshot(dir_);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->seq, 20u);
  EXPECT_EQ(latest->state, newer);
  EXPECT_EQ(latest->chain_hash, hash);

  flip_byte(latest->path, format::kSnapshotHeaderBytes + 1);
  auto fallback = Journal::load_latest_snapshot(dir_);
  ASSERT_TRUE(fallback.has_value());
  EXPECT_EQ(fallback->seq, 10u);
  EXPECT_EQ(fallback->state, older);
}

TEST_F(JournalTest, SnapshotsBeyondKeptAreRemoved) {
  Journal journal(options());
  for (Seq seq : {10, 20, 30, 40}) journal.write_snapshot(seq, Digest{}, std::vector<uint8_t>{1});
  EXPECT_FALSE(fs::exists(dir_ / format::snapshot_name(10)));
  EXPECT_FALSE(fs::exists(dir_ / format::snapshot_name(20)));
  EXPECT_TRUE(fs::exists(dir_ / format::snapshot_name(30)));
  EXPECT_TRUE(fs::exists(dir_ / format::snapshot_name(40)));
}

TEST_F(JournalTest, FailedFdatasyncStopsWriter) {
  std::atomic<bool> fail_sync{false};
  std::atomic<int> good_syncs{0};
  auto failing = options();
  failing.fdatasync_fn = [&](int fd) {
    if (fail_sync.load()) {
      errno = EIO;
      return -1;
    }
    good_syncs.fetch_add(1);
    return ::fdatasync(fd);
  };

  Journal journal(failing);
  std::vector<Seq> published;
  int syncs_at_last_publish = 0;
  bool published_without_sync = false;
  journal.set_on_durable([&](Seq last, const Digest&) {
    if (good_syncs.load() == syncs_at_last_publish) published_without_sync = true;
    syncs_at_last_publish = good_syncs.load();
    published.push_back(last);
  });
  journal.start();
  append_range(journal, 1, 10, 5);
  ASSERT_TRUE(wait_until([&] { return journal.durable_seq() == 10; }));

  fail_sync = true;
  append_range(journal, 11, 20, 5);
  ASSERT_TRUE(wait_until([&] { return journal.failed(); }));
  append_range(journal, 21, 30, 5);
  journal.close();

  EXPECT_TRUE(journal.failed());
  EXPECT_EQ(journal.durable_seq(), 10u);
  ASSERT_FALSE(published.empty());
  EXPECT_EQ(published.back(), 10u);
  EXPECT_FALSE(published_without_sync);
}

TEST_F(JournalTest, FailedWriteStopsWriter) {
  std::atomic<bool> fail_write{false};
  auto failing = options();
  failing.write_fn = [&](int fd, const void* data, size_t size) -> ssize_t {
    if (fail_write.load()) {
      errno = ENOSPC;
      return -1;
    }
    return ::write(fd, data, size);
  };

  Journal journal(failing);
  journal.start();
  append_range(journal, 1, 4, 2);
  ASSERT_TRUE(wait_until([&] { return journal.durable_seq() == 4; }));
  fail_write = true;
  append_range(journal, 5, 8, 2);
  ASSERT_TRUE(wait_until([&] { return journal.failed(); }));
  journal.close();
  EXPECT_EQ(journal.durable_seq(), 4u);
}

TEST_F(JournalTest, AsyncPublishesBeforeSyncAndSyncsLater) {
  std::atomic<int> syncs{0};
  auto async = options();
  async.durability = Durability::async;
  async.async_sync_interval_ms = 5;
  async.fdatasync_fn = [&](int fd) {
    syncs.fetch_add(1);
    return ::fdatasync(fd);
  };

  Journal journal(async);
  const int syncs_at_start = syncs.load();
  journal.start();
  append_range(journal, 1, 100, 10);
  ASSERT_TRUE(wait_until([&] { return journal.durable_seq() == 100; }));
  ASSERT_TRUE(wait_until([&] { return syncs.load() > syncs_at_start; }));
  journal.close();

  Journal reopened(options());
  EXPECT_EQ(reopened.last_seq(), 100u);
}

TEST_F(JournalTest, BackpressureKeepsEveryRecord) {
  auto slow = options();
  slow.batch_bytes_max = 1024;
  slow.write_fn = [](int fd, const void* data, size_t size) -> ssize_t {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    return ::write(fd, data, size);
  };
  {
    Journal journal(slow);
    journal.start();
    append_range(journal, 1, 2000, 100);
  }
  Journal journal(options());
  EXPECT_EQ(replay_all(journal).seqs.size(), 2000u);
}

TEST_F(JournalTest, OversizedPayloadIsRejected) {
  Journal journal(options(4096));
  journal.start();
  const std::vector<uint8_t> huge(8192, 1);
  try {
    journal.append(kType, 1, kBaseTimeNs, huge);
    FAIL() << "an oversized record was accepted";
  } catch (const JournalError& error) {
    EXPECT_EQ(error.code, payload_too_large);
  }
  EXPECT_EQ(journal.last_seq(), 0u);
  append_range(journal, 1, 3, 3);
}

TEST_F(JournalTest, ReadOnlyOpenLeavesTornTail) {
  write_log(10, 5);
  const auto [segment, record_offset] = record_position(8);
  zero_from(segment, record_offset + 4, record_offset + 3 * (format::kRecordHeaderBytes + kPayloadBytes));

  auto read_only = options();
  read_only.read_only = true;
  Journal journal(read_only);
  EXPECT_EQ(journal.last_seq(), 5u);
  EXPECT_EQ(replay_all(journal).seqs.size(), 5u);
  EXPECT_TRUE(Journal::verify(dir_).torn_tail);
}

int run_wal(const std::string& arguments) {
  const std::string command = std::string(JUBIAN_BIN_DIR "/jubian-wal ") + arguments + " > /dev/null 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(JournalTest, WalVerifyExitCodes) {
  write_log(50, 5);
  EXPECT_EQ(run_wal("verify " + dir_.string()), 0);
  EXPECT_EQ(run_wal("stats " + dir_.string()), 0);
  EXPECT_EQ(run_wal("dump " + dir_.string()), 0);

  const auto [segment, record_offset] = record_position(20);
  flip_byte(segment, record_offset + 1);
  EXPECT_NE(run_wal("verify " + dir_.string()), 0);
  EXPECT_NE(run_wal("stats " + dir_.string()), 0);
  EXPECT_NE(run_wal("dump " + dir_.string()), 0);
  EXPECT_NE(run_wal("verify " + (root_ / "missing").string()), 0);
}

}  // namespace
}  // namespace jubian::journal
