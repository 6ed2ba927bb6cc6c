#pragma once
// Internal state of Journal that recovery hands to the writer thread.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "engine/common/sha256.hpp"
#include "engine/journal/files.hpp"
#include "engine/journal/journal.hpp"

namespace jubian::journal {

struct Journal::Writer {
  // Recovery: the segments in use, where their valid data ends (replay limits) and
  // the first sequence number of each.
  std::vector<files::SegmentFile> segments;
  std::vector<uint64_t> ends;
  std::vector<Seq> first_seqs;

  // Writer thread after start(): the open segment and the chain so far.
  int fd = -1;
  uint64_t segment_index = 0;
  std::string segment_name;
  bool header_pending = false;    // the open segment gets its header with its first batch
  std::future<std::filesystem::path> next_segment;  // being prepared on another thread
  uint64_t segment_capacity = 0;  // file size of the open segment
  uint64_t offset = 0;            // next write position in the open segment
  bool segment_has_batches = false;
  Seq written_seq = 0;
  Digest hash{};
  std::vector<uint8_t> group;     // records taken from queued_
  std::vector<uint8_t> out;       // one batch: header, records, pad
  bool unsynced = false;          // async: written since the last fdatasync
  std::chrono::steady_clock::time_point last_sync;

  // Slow write and fdatasync warnings: at most one per second, with a count of the ones
  // in between.
  std::chrono::steady_clock::time_point slow_io_logged{};
  uint64_t slow_io_unlogged = 0;
};

}  // namespace jubian::journal
