#include "engine/journal/scan.hpp"

#include <fmt/format.h>

#include "engine/journal/codes.hpp"

namespace jubian::journal::scan {
namespace {

using format::BatchHeader;
using format::RecordHeader;
using format::SegmentHeader;

enum class Check : uint8_t { valid, end_of_data, torn, damaged };

struct Fault {
  Check check = Check::valid;
  ResultCode code = ResultCode::ok;
  std::string error;
  uint64_t offset = 0;
  Seq seq = 0;
};

Fault fault(Check check, ResultCode code, std::string error, uint64_t offset, Seq seq) {
  return Fault{check, code, std::move(error), offset, seq};
}

// The running position of a scan: what the next batch must continue.
struct Cursor {
  Seq last_seq = 0;
  Digest hash{};
  TimeNs first_time_ns = 0;
  TimeNs last_time_ns = 0;
  bool any_record = false;
};

// An all-zero header marks a prepared segment that was never used. The header is written
// with the segment's first batch, so a torn one is treated like a torn batch.
Fault check_segment_header(std::span<const uint8_t> bytes, const Cursor& cursor, bool first_read) {
  if (bytes.size() < format::kSegmentHeaderBytes)
    return fault(Check::damaged, segment_damaged, "segment is shorter than its header", 0, cursor.last_seq + 1);
  if (format::all_zero(bytes.first(format::kSegmentHeaderBytes)))
    return fault(Check::end_of_data, ResultCode::ok, "", 0, cursor.last_seq + 1);
  const auto header = format::load<SegmentHeader>(bytes.data());
  if (header.magic != format::kSegmentMagic || header.crc != format::segment_header_crc(header))
    return fault(Check::torn, segment_damaged, "segment header magic or CRC32C is invalid", 0, cursor.last_seq + 1);
  if (header.version != format::kVersion)
    return fault(Check::damaged, segment_damaged, fmt::format("segment version {} is not supported", uint32_t{header.version}), 0,
                 cursor.last_seq + 1);

  const bool chain_starts_here = first_read;
  if (!chain_starts_here && header.first_seq != cursor.last_seq + 1)
    return fault(Check::damaged, sequence_gap,
                 fmt::format("segment starts at seq {} but the previous one ends at {}", uint64_t{header.first_seq}, cursor.last_seq), 0,
                 cursor.last_seq + 1);
  if (!chain_starts_here && header.prev_hash != cursor.hash)
    return fault(Check::damaged, chain_mismatch, "segment prev_hash differs from the previous batch's chain hash", 0,
                 cursor.last_seq + 1);
  if (header.first_seq == 1 && header.prev_hash != Digest{})
    return fault(Check::damaged, chain_mismatch, "first segment has a nonzero prev_hash", 0, 1);
  return {};
}

// True when a record with a valid CRC32C and a sequence number after bad_seq starts
// anywhere in records after from: the bytes before it were damaged, not torn.
bool valid_record_after(std::span<const uint8_t> records, uint64_t from, Seq bad_seq, Seq batch_last_seq) {
  for (uint64_t position = from; position + format::kRecordHeaderBytes <= records.size(); ++position) {
    const auto record = format::load<RecordHeader>(records.data() + position);
    if (record.seq <= bad_seq || record.seq > batch_last_seq || record.type == 0) continue;
    if (record.length > records.size() - position - format::kRecordHeaderBytes) continue;
    const auto payload = records.subspan(position + format::kRecordHeaderBytes, record.length);
    if (record.crc == format::record_crc(record, payload)) return true;
  }
  return false;
}

Fault bad_record(std::span<const uint8_t> records, uint64_t position, uint64_t records_offset, const BatchHeader& header,
                 Seq expected, std::string error) {
  const Seq batch_last_seq = header.first_seq + header.record_count - 1;
  if (!valid_record_after(records, position + 1, expected, batch_last_seq))
    return fault(Check::torn, record_damaged, std::move(error), records_offset + position, expected);
  return fault(Check::damaged, record_damaged, error + ", and valid records follow in its batch", records_offset + position,
               expected);
}

// Checks the records of a batch whose header is valid. Offsets in faults are absolute.
Fault check_records(std::span<const uint8_t> records, uint64_t records_offset, const BatchHeader& header, Cursor& cursor) {
  uint64_t position = 0;
  for (uint32_t index = 0; index < header.record_count; ++index) {
    const Seq expected = header.first_seq + index;
    const uint64_t at = records_offset + position;
    if (records.size() - position < format::kRecordHeaderBytes)
      return fault(Check::damaged, batch_damaged, "batch records_bytes ends inside a record header", at, expected);

    const auto record = format::load<RecordHeader>(records.data() + position);
    const uint64_t room = records.size() - position - format::kRecordHeaderBytes;
    if (record.length > room)
      return bad_record(records, position, records_offset, header, expected, "record length runs past its batch");
    const auto payload = records.subspan(position + format::kRecordHeaderBytes, record.length);
    if (record.crc != format::record_crc(record, payload))
      return bad_record(records, position, records_offset, header, expected, "record CRC32C does not match");
    if (record.seq != expected)
      return fault(Check::damaged, sequence_gap, fmt::format("record has seq {} where {} was expected", uint64_t{record.seq}, expected),
                   at, expected);
    if (record.type == 0) return fault(Check::damaged, record_damaged, "record type is zero", at, expected);

    if (!cursor.any_record) cursor.first_time_ns = record.time_ns;
    cursor.any_record = true;
    cursor.last_time_ns = record.time_ns;
    position += format::kRecordHeaderBytes + record.length;
  }
  if (position != records.size())
    return fault(Check::damaged, batch_damaged, "batch records_bytes is larger than its records", records_offset + position,
                 header.first_seq + header.record_count);
  return {};
}

Fault check_batch(std::span<const uint8_t> bytes, uint64_t offset, Cursor& cursor, BatchHeader& header) {
  const Seq expected = cursor.last_seq + 1;
  const auto header_bytes = bytes.subspan(offset, format::kBatchHeaderBytes);
  if (format::all_zero(header_bytes)) return fault(Check::end_of_data, ResultCode::ok, "", offset, expected);

  header = format::load<BatchHeader>(header_bytes.data());
  if (header.magic != format::kBatchMagic || header.crc != format::batch_header_crc(header))
    return fault(Check::torn, batch_damaged, "batch header magic or CRC32C is invalid", offset, expected);
  if (header.first_seq != expected)
    return fault(Check::damaged, sequence_gap,
                 fmt::format("batch starts at seq {} where {} was expected", uint64_t{header.first_seq}, expected), offset, expected);
  const uint64_t room = bytes.size() - offset - format::kBatchHeaderBytes;
  if (header.records_bytes > room || header.record_count == 0 || header.reserved != 0)
    return fault(Check::damaged, batch_damaged, "batch header size fields are invalid", offset, expected);

  const auto records = bytes.subspan(offset + format::kBatchHeaderBytes, header.records_bytes);
  Cursor after = cursor;
  if (auto bad = check_records(records, offset + format::kBatchHeaderBytes, header, after); bad.check != Check::valid)
    return bad;
  if (format::chain_hash(cursor.hash, records) != header.chain_hash)
    return fault(Check::damaged, chain_mismatch, "batch chain hash does not match its records", offset, expected);

  cursor = after;
  cursor.last_seq = header.first_seq + header.record_count - 1;
  cursor.hash = header.chain_hash;
  return {};
}

bool valid_batch_header_after(std::span<const uint8_t> bytes, uint64_t from, Seq after_seq) {
  for (uint64_t offset = format::align_batch(from); offset + format::kBatchHeaderBytes <= bytes.size();
       offset += format::kBatchAlignment) {
    uint32_t magic = 0;
    std::memcpy(&magic, bytes.data() + offset, sizeof(magic));
    if (magic != format::kBatchMagic) continue;
    const auto header = format::load<BatchHeader>(bytes.data() + offset);
    if (header.crc == format::batch_header_crc(header) && header.first_seq > after_seq) return true;
  }
  return false;
}

bool valid_batch_in_segments(const std::vector<files::SegmentFile>& segments, size_t from, Seq after_seq) {
  for (size_t i = from; i < segments.size(); ++i) {
    files::MappedFile mapped(segments[i].path);
    if (valid_batch_header_after(mapped.bytes(), format::kSegmentHeaderBytes, after_seq)) return true;
  }
  return false;
}

void finish(Result& result, const Cursor& cursor) {
  result.last_seq = cursor.last_seq;
  result.last_hash = cursor.hash;
  result.first_time_ns = cursor.first_time_ns;
  result.last_time_ns = cursor.last_time_ns;
}

// Turns a fault into the result's verdict; a torn-looking fault with valid data after it
// is damage, because those later batches were acknowledged.
void settle(Result& result, Fault bad, const std::vector<files::SegmentFile>& segments, size_t index,
            std::span<const uint8_t> bytes, uint64_t cut_offset, Seq last_seq) {
  if (bad.check == Check::end_of_data || bad.check == Check::torn) {
    const bool later = valid_batch_header_after(bytes, cut_offset + format::kBatchAlignment, last_seq) ||
                       valid_batch_in_segments(segments, index + 1, last_seq);
    if (!later) {
      result.end = End::torn;
    } else {
      result.end = End::damaged;
      if (bad.check == Check::end_of_data) {
        bad.code = cut_offset == 0 ? segment_damaged : batch_damaged;
        bad.error = cut_offset == 0 ? "zero bytes where a segment header was expected"
                                    : "zero bytes where a batch header was expected";
      }
      bad.error += ", and valid batches follow";
    }
  } else {
    result.end = End::damaged;
  }
  result.code = bad.code;
  result.error = bad.error;
  result.segment_index = index;
  result.cut_offset = cut_offset;
  result.fault_offset = bad.offset;
  result.fault_seq = bad.seq;
}

}  // namespace

Result scan(const std::vector<files::SegmentFile>& segments, size_t from, const BatchVisitor& visit,
            const std::vector<uint64_t>* limits) {
  Result result;
  result.ends.assign(segments.size(), 0);
  result.first_seqs.assign(segments.size(), 0);
  Cursor cursor;

  for (size_t i = from; i < segments.size(); ++i) {
    files::MappedFile mapped(segments[i].path);
    const auto bytes = mapped.bytes();
    const bool first_read = i == from;
    Fault bad = check_segment_header(bytes, cursor, first_read);
    const bool unused = bad.check == Check::end_of_data &&
                        !valid_batch_header_after(bytes, format::kBatchAlignment, cursor.last_seq) &&
                        !valid_batch_in_segments(segments, i + 1, cursor.last_seq);
    if (unused) continue;
    if (bad.check != Check::valid) {
      settle(result, bad, segments, i, bytes, 0, cursor.last_seq);
      finish(result, cursor);
      return result;
    }
    const auto segment_header = format::load<SegmentHeader>(bytes.data());
    result.first_seqs[i] = segment_header.first_seq;
    if (first_read) {
      cursor.last_seq = segment_header.first_seq - 1;
      cursor.hash = segment_header.prev_hash;
    }

    uint64_t offset = format::kSegmentHeaderBytes;
    const uint64_t limit = limits != nullptr ? (*limits)[i] : bytes.size();
    while (offset < limit && offset + format::kBatchHeaderBytes <= bytes.size()) {
      BatchHeader header{};
      const Seq before = cursor.last_seq;
      const Fault batch_fault = check_batch(bytes, offset, cursor, header);
      if (batch_fault.check == Check::end_of_data &&
          !valid_batch_header_after(bytes, offset + format::kBatchAlignment, before))
        break;
      if (batch_fault.check != Check::valid) {
        settle(result, batch_fault, segments, i, bytes, offset, before);
        finish(result, cursor);
        return result;
      }

      const auto records = bytes.subspan(offset + format::kBatchHeaderBytes, header.records_bytes);
      if (visit) visit(BatchView{&segments[i], offset, header, records});
      if (result.first_seq == 0) result.first_seq = header.first_seq;
      result.records += header.record_count;
      result.batches += 1;
      result.bytes += format::kBatchHeaderBytes + header.records_bytes;
      offset = format::align_batch(offset + format::kBatchHeaderBytes + header.records_bytes);
    }
    result.ends[i] = offset;
  }
  finish(result, cursor);
  return result;
}

void for_each_record(std::span<const uint8_t> records,
                     const std::function<void(const format::RecordHeader&, std::span<const uint8_t>)>& fn) {
  for (uint64_t position = 0; position + format::kRecordHeaderBytes <= records.size();) {
    const auto record = format::load<RecordHeader>(records.data() + position);
    fn(record, records.subspan(position + format::kRecordHeaderBytes, record.length));
    position += format::kRecordHeaderBytes + record.length;
  }
}

}  // namespace jubian::journal::scan
