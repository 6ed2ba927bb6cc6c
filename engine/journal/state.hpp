#pragma once
// Internal state of Journal that recovery hands to the writer thread.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/common/sha256.hpp"
#include "engine/journal/files.hpp"
#include "engine/journal/journal.hpp"

namespace jubian::journal {

struct Journal::Writer {
  // Recovery: the segments found and where their valid data ends (replay limits).
  std::vector<files::SegmentFile> segments;
  std::vector<uint64_t> ends;

  // Writer thread after start(): the open segment and the chain so far.
  int fd = -1;
  std::string segment_name;
  uint64_t segment_capacity = 0;  // file size of the open segment
  uint64_t offset = 0;            // next write position in the open segment
  bool segment_has_batches = false;
  Seq written_seq = 0;
  Digest hash{};
  std::vector<uint8_t> group;     // records taken from queued_
  std::vector<uint8_t> out;       // one batch: header, records, pad
  bool unsynced = false;          // async: written since the last fdatasync
  std::chrono::steady_clock::time_point last_sync;
};

}  // namespace jubian::journal
