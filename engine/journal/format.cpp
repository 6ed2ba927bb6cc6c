#include "engine/journal/format.hpp"

#include <algorithm>
#include <cstdio>

#include "engine/common/crc32c.hpp"

namespace jubian::journal::format {
namespace {

template <class Header>
std::span<const uint8_t> bytes_after(const Header& header, size_t offset) {
  const auto* base = reinterpret_cast<const uint8_t*>(&header);
  return {base + offset, sizeof(Header) - offset};
}

}  // namespace

void append_record(std::vector<uint8_t>& out, uint16_t type, Seq seq, TimeNs time_ns, std::span<const uint8_t> payload) {
  RecordHeader header{};
  header.length = static_cast<uint32_t>(payload.size());
  header.type = type;
  header.seq = seq;
  header.time_ns = time_ns;
  header.crc = record_crc(header, payload);

  const size_t start = out.size();
  out.resize(start + kRecordHeaderBytes + payload.size());
  std::memcpy(out.data() + start, &header, kRecordHeaderBytes);
  if (!payload.empty()) std::memcpy(out.data() + start + kRecordHeaderBytes, payload.data(), payload.size());
}

BatchHeader make_batch_header(const Digest& prev_hash, Seq first_seq, uint32_t record_count,
                              std::span<const uint8_t> records) {
  BatchHeader header{};
  header.magic = kBatchMagic;
  header.records_bytes = static_cast<uint32_t>(records.size());
  header.record_count = record_count;
  header.first_seq = first_seq;
  header.chain_hash = chain_hash(prev_hash, records);
  header.crc = batch_header_crc(header);
  return header;
}

SegmentHeader make_segment_header(Seq first_seq, uint64_t segment_bytes, const Digest& prev_hash) {
  SegmentHeader header{};
  header.magic = kSegmentMagic;
  header.version = kVersion;
  header.first_seq = first_seq;
  header.segment_bytes = segment_bytes;
  header.prev_hash = prev_hash;
  header.crc = segment_header_crc(header);
  return header;
}

SnapshotHeader make_snapshot_header(Seq seq, const Digest& chain_hash, std::span<const uint8_t> state) {
  SnapshotHeader header{};
  header.magic = kSnapshotMagic;
  header.version = kVersion;
  header.seq = seq;
  header.state_bytes = state.size();
  header.chain_hash = chain_hash;
  header.crc = snapshot_crc(header, state);
  return header;
}

uint32_t segment_header_crc(const SegmentHeader& header) { return crc32c(bytes_after(header, 12)); }

uint32_t batch_header_crc(const BatchHeader& header) { return crc32c(bytes_after(header, 8)); }

uint32_t record_crc(const RecordHeader& header, std::span<const uint8_t> payload) {
  return crc32c_extend(crc32c(bytes_after(header, 4)), payload);
}

uint32_t snapshot_crc(const SnapshotHeader& header, std::span<const uint8_t> state) {
  return crc32c_extend(crc32c(bytes_after(header, 12)), state);
}

Digest chain_hash(const Digest& prev_hash, std::span<const uint8_t> records) {
  Sha256 hasher;
  hasher.update(prev_hash);
  hasher.update(records);
  return hasher.finish();
}

bool all_zero(std::span<const uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

std::string segment_name(uint64_t index) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020llu.wal", static_cast<unsigned long long>(index));
  return name;
}

std::string snapshot_name(Seq seq) {
  char name[40];
  std::snprintf(name, sizeof(name), "snapshot-%020llu.snap", static_cast<unsigned long long>(seq));
  return name;
}

}  // namespace jubian::journal::format
