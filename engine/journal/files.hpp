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
  Seq first_seq = 0;  // from the file name; the scan checks it against the header
};

// Segment files of dir ("<20 digits>.wal"), in sequence order.
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

using SyncFn = std::function<int(int fd)>;

void sync_directory(const std::filesystem::path& dir);

// Creates a segment durably: temp file, preallocation, header, fdatasync, rename,
// directory fsync. Returns the path of the new segment.
std::filesystem::path create_segment(const std::filesystem::path& dir, Seq first_seq, uint64_t segment_bytes,
                                     const Digest& prev_hash, const SyncFn& sync);

// Zeroes [offset, end of the last nonzero byte) of a segment and syncs it, so that a cut
// leaves no stale batch behind the new end. Returns the bytes zeroed.
uint64_t zero_tail(const std::filesystem::path& path, uint64_t offset);

// Writes a whole file durably: temp file, write, fsync, rename, directory fsync.
void write_file_durably(const std::filesystem::path& path, std::span<const uint8_t> head, std::span<const uint8_t> body);

}  // namespace jubian::journal::files
