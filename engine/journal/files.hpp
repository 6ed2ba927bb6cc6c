#pragma once
// File-system helpers of the journal: segment listing, read-only mappings, durable
// creation and renaming. Every failure throws JournalError(io_failed) naming the path.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <vector>

#include "engine/common/sha256.hpp"
#include "engine/common/types.hpp"

namespace jubian::journal::files {

struct SegmentFile {
  std::filesystem::path path;
  uint64_t index = 0;  // from the file name
};

// Segment files of dir ("<20 digits>.wal"), in index order.
std::vector<SegmentFile> list_segments(const std::filesystem::path& dir);

// Removes leftovers of interrupted creations ("*.tmp"); returns how many.
size_t remove_temp_files(const std::filesystem::path& dir);

// A read-only mapping of a whole file; an empty file maps to an empty span.
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

void sync_directory(const std::filesystem::path& dir);

// Prepares an unused segment durably: temp file, preallocation (all zeros), fsync,
// rename, directory fsync. The writer adds the header with the first batch, so a
// segment can be prepared before its first sequence number is known. Returns its path.
std::filesystem::path prepare_segment(const std::filesystem::path& dir, uint64_t index, uint64_t segment_bytes);

// Zeroes [offset, end of the last nonzero byte) of a segment and syncs it, so that a cut
// leaves no stale batch behind the new end. Returns the bytes zeroed.
uint64_t zero_tail(const std::filesystem::path& path, uint64_t offset);

// Writes a whole file durably: temp file, write, fsync, rename, directory fsync.
void write_file_durably(const std::filesystem::path& path, std::span<const uint8_t> head, std::span<const uint8_t> body);

}  // namespace jubian::journal::files
