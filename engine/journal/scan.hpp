#pragma once
// Reads a journal directory batch by batch and decides where its valid data ends.
// Recovery, replay and verify share this one reader, so they agree on every byte.
//
// Decision table for the batch at the current position (see docs/journal-format.md):
//
//   batch at position                                  | valid batch later? | verdict
//   ---------------------------------------------------+--------------------+---------
//   valid (CRCs, sequence, chain hash)                 | -                  | continue
//   all-zero header (preallocated space)               | no                 | end of segment
//   all-zero header                                    | yes                | damaged
//   bad header CRC/magic, short or bad record CRC      | no                 | torn: cut here
//   bad header CRC/magic, short or bad record CRC      | yes                | damaged
//   bad record CRC, a valid record later in the batch  | -                  | damaged
//   valid CRCs but wrong sequence or chain hash        | -                  | damaged
//   all-zero segment header (prepared, unused)         | no                 | unused: skip
//   all-zero segment header                            | yes                | damaged
//   segment header magic or CRC32C invalid             | no / yes           | torn / damaged
//   segment header not continuing the sequence or chain| -                  | damaged
//
// "Valid batch later" means a batch header with a valid magic and CRC32C and a higher
// sequence number anywhere after the position, in this segment or a later one. A torn
// batch was never acknowledged, because sync mode publishes a batch only after
// fdatasync covered all of it.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "engine/common/result.hpp"
#include "engine/common/sha256.hpp"
#include "engine/common/types.hpp"
#include "engine/journal/files.hpp"
#include "engine/journal/format.hpp"

namespace jubian::journal::scan {

struct BatchView {
  const files::SegmentFile* segment;
  uint64_t offset;                   // of the batch header in the segment
  format::BatchHeader header;
  std::span<const uint8_t> records;  // records_bytes bytes after the header
};

enum class End : uint8_t { clean, torn, damaged };

struct Result {
  End end = End::clean;
  ResultCode code = ResultCode::ok;
  std::string error;           // torn or damaged: what failed, in words
  size_t segment_index = 0;    // torn or damaged: the segment where valid data ends
  uint64_t cut_offset = 0;     // torn or damaged: valid data in that segment ends here
  uint64_t fault_offset = 0;   // torn or damaged: the bad batch or record starts here
  Seq fault_seq = 0;           // torn or damaged: the sequence number expected there

  Seq first_seq = 0;           // first record read, 0 when none
  Seq last_seq = 0;            // last record of the last valid batch (or the start point)
  Digest last_hash{};          // chain hash of the last valid batch
  uint64_t records = 0, batches = 0, bytes = 0;
  TimeNs first_time_ns = 0, last_time_ns = 0;
  std::vector<uint64_t> ends;  // per segment read: offset where its valid data ends, 0 when unused
  std::vector<Seq> first_seqs;  // per segment read: first_seq of its header, 0 when unused
};

using BatchVisitor = std::function<void(const BatchView&)>;

// Reads segments[from...] in order, calling visit for each valid batch. limits, when
// given, contains the valid end of every segment as an earlier scan found it, and stops
// each segment there.
Result scan(const std::vector<files::SegmentFile>& segments, size_t from, const BatchVisitor& visit,
            const std::vector<uint64_t>* limits = nullptr);

// Calls fn for every record of a valid batch, in order.
void for_each_record(std::span<const uint8_t> records,
                     const std::function<void(const format::RecordHeader&, std::span<const uint8_t>)>& fn);

}  // namespace jubian::journal::scan
