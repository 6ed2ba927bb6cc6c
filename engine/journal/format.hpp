#pragma once
// On-disk layout of the journal: segment files of batches of records, and snapshots.
// docs/journal-format.md describes the same layout for people writing tools.
//
// Grammar (every integer little-endian, no implicit padding):
//
//   directory      := segment-file* snapshot-file*
//   segment-file   := segment-header batch* zero-fill        named "<index, 20 digits>.wal"
//                   | zero-fill                              prepared, not used yet
//   segment-header := magic:u8[8]="JUBIANWL" crc:u32 version:u32=1 first_seq:u64
//                     segment_bytes:u64 prev_hash:u8[32]                        64 bytes
//   batch          := batch-header record{record_count} pad
//   batch-header   := magic:u32=0x5441424A ("JBAT") crc:u32 records_bytes:u32
//                     record_count:u32 first_seq:u64 reserved:u64=0 chain_hash:u8[32]
//                                                                               64 bytes
//   record         := record-header payload:u8[length]
//   record-header  := crc:u32 length:u32 type:u16 reserved:u16=0 seq:u64 time_ns:i64
//                                                                               28 bytes
//   pad            := 0x00{0..7}      so that the next batch header starts at a multiple of 8
//   zero-fill      := 0x00*           the preallocated rest of the segment
//
//   snapshot-file  := snapshot-header state:u8[state_bytes]   named "snapshot-<seq, 20 digits>.snap"
//   snapshot-header:= magic:u8[8]="JUBIANSS" crc:u32 version:u32=1 seq:u64 state_bytes:u64
//                     chain_hash:u8[32]                                         64 bytes
//
// Checks:
//   segment-header.crc  = CRC32C of the header bytes after the crc field (12..64)
//   batch-header.crc    = CRC32C of the header bytes after the crc field (8..64)
//   record-header.crc   = CRC32C of the record header bytes after the crc field (4..28),
//                         then of the payload
//   snapshot-header.crc = CRC32C of the header bytes after the crc field (12..64), then of state
//   chain_hash          = SHA-256(previous batch's chain_hash || the batch's record bytes),
//                         where the batch before the first one has an all-zero hash
//   records_bytes       = the bytes of the batch's records, without the pad
//   record seq          = batch first_seq + index; sequence numbers never skip, also
//                         across segments (segment first_seq = previous batch's last seq + 1)
//   record type         = nonzero, so an all-zero batch header marks the end of the data
//   segment index       = 1 for the first segment, then one more than the previous one;
//                         the segment header is written together with its first batch

#include <array>
#include <bit>
#include <cstring>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/common/sha256.hpp"
#include "engine/common/types.hpp"

namespace jubian::journal::format {

static_assert(std::endian::native == std::endian::little, "the journal layout is written with memcpy on little-endian hosts");

inline constexpr uint32_t kVersion = 1;
inline constexpr std::array<uint8_t, 8> kSegmentMagic = {'J', 'U', 'B', 'I', 'A', 'N', 'W', 'L'};
inline constexpr std::array<uint8_t, 8> kSnapshotMagic = {'J', 'U', 'B', 'I', 'A', 'N', 'S', 'S'};
inline constexpr uint32_t kBatchMagic = 0x5441424Au;  // "JBAT" read as little-endian
inline constexpr uint64_t kBatchAlignment = 8;

#pragma pack(push, 1)
struct SegmentHeader {
  std::array<uint8_t, 8> magic;
  uint32_t crc;
  uint32_t version;
  uint64_t first_seq;
  uint64_t segment_bytes;
  Digest prev_hash;
};

struct BatchHeader {
  uint32_t magic;
  uint32_t crc;
  uint32_t records_bytes;
  uint32_t record_count;
  uint64_t first_seq;
  uint64_t reserved;
  Digest chain_hash;
};

struct RecordHeader {
  uint32_t crc;
  uint32_t length;
  uint16_t type;
  uint16_t reserved;
  uint64_t seq;
  int64_t time_ns;
};

struct SnapshotHeader {
  std::array<uint8_t, 8> magic;
  uint32_t crc;
  uint32_t version;
  uint64_t seq;
  uint64_t state_bytes;
  Digest chain_hash;
};
#pragma pack(pop)

inline constexpr uint64_t kSegmentHeaderBytes = 64;
inline constexpr uint64_t kBatchHeaderBytes = 64;
inline constexpr uint64_t kRecordHeaderBytes = 28;
inline constexpr uint64_t kSnapshotHeaderBytes = 64;
static_assert(sizeof(SegmentHeader) == kSegmentHeaderBytes);
static_assert(sizeof(BatchHeader) == kBatchHeaderBytes);
static_assert(sizeof(RecordHeader) == kRecordHeaderBytes);
static_assert(sizeof(SnapshotHeader) == kSnapshotHeaderBytes);
static_assert(kSegmentHeaderBytes % kBatchAlignment == 0);

constexpr uint64_t align_batch(uint64_t offset) { return (offset + kBatchAlignment - 1) & ~(kBatchAlignment - 1); }

// The largest payload a record may carry in a segment of the given size: one batch of
// one record after the segment header.
constexpr uint64_t payload_max(uint64_t segment_bytes) {
  return segment_bytes - kSegmentHeaderBytes - kBatchHeaderBytes - kRecordHeaderBytes;
}

// Appends one record (header with its CRC32C, then the payload) to out.
void append_record(std::vector<uint8_t>& out, uint16_t type, Seq seq, TimeNs time_ns, std::span<const uint8_t> payload);

// Fills a batch header for records already in place and computes the chain hash.
BatchHeader make_batch_header(const Digest& prev_hash, Seq first_seq, uint32_t record_count,
                              std::span<const uint8_t> records);

SegmentHeader make_segment_header(Seq first_seq, uint64_t segment_bytes, const Digest& prev_hash);
SnapshotHeader make_snapshot_header(Seq seq, const Digest& chain_hash, std::span<const uint8_t> state);

uint32_t segment_header_crc(const SegmentHeader& header);
uint32_t batch_header_crc(const BatchHeader& header);
uint32_t record_crc(const RecordHeader& header, std::span<const uint8_t> payload);
uint32_t snapshot_crc(const SnapshotHeader& header, std::span<const uint8_t> state);
Digest chain_hash(const Digest& prev_hash, std::span<const uint8_t> records);

// Reads a packed header from raw bytes; the caller checks that enough bytes remain.
template <class Header>
Header load(const uint8_t* bytes) {
  Header header;
  std::memcpy(&header, bytes, sizeof(Header));
  return header;
}

bool all_zero(std::span<const uint8_t> bytes);

// File names: "<index, 20 digits>.wal" and "snapshot-<seq, 20 digits>.snap".
std::string segment_name(uint64_t index);
std::string snapshot_name(Seq seq);

}  // namespace jubian::journal::format
