#include "engine/journal/files.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "engine/journal/codes.hpp"
#include "engine/journal/format.hpp"
#include "engine/journal/journal.hpp"

namespace jubian::journal::files {
namespace {

constexpr size_t kSegmentNameDigits = 20;
constexpr uint64_t kZeroChunkBytes = 1ull << 20;

[[noreturn]] void throw_io(const std::string& what, const std::filesystem::path& path, int error_number) {
  throw JournalError(io_failed, what + " failed on " + path.string() + ": " + std::strerror(error_number),
                     path.filename().string());
}

// Closes a descriptor on scope exit.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

void write_all(int fd, const uint8_t* data, size_t size, const std::filesystem::path& path) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) throw_io("write", path, written < 0 ? errno : EIO);
    data += written;
    size -= static_cast<size_t>(written);
  }
}

std::optional<uint64_t> parse_segment_name(const std::string& name) {
  if (name.size() != kSegmentNameDigits + 4 || !name.ends_with(".wal")) return std::nullopt;
  uint64_t value = 0;
  for (size_t i = 0; i < kSegmentNameDigits; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    value = value * 10 + static_cast<Seq>(name[i] - '0');
  }
  return value;
}

}  // namespace

std::vector<SegmentFile> list_segments(const std::filesystem::path& dir) {
  std::vector<SegmentFile> segments;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    if (auto index = parse_segment_name(entry.path().filename().string())) segments.push_back({entry.path(), *index});
  }
  std::sort(segments.begin(), segments.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  return segments;
}

size_t remove_temp_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> leftovers;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".tmp") leftovers.push_back(entry.path());
  }
  for (const auto& path : leftovers) std::filesystem::remove(path);
  return leftovers.size();
}

MappedFile::MappedFile(const std::filesystem::path& path) {
  FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) throw_io("open", path, errno);
  struct stat status{};
  if (::fstat(file.fd, &status) != 0) throw_io("fstat", path, errno);

  size_ = static_cast<size_t>(status.st_size);
  if (size_ == 0) return;
  void* mapping = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, file.fd, 0);
  if (mapping == MAP_FAILED) throw_io("mmap", path, errno);
  data_ = static_cast<const uint8_t*>(mapping);
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

void sync_directory(const std::filesystem::path& dir) {
  FileDescriptor directory{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (directory.fd < 0) throw_io("open directory", dir, errno);
  if (::fsync(directory.fd) != 0) throw_io("fsync directory", dir, errno);
}

std::filesystem::path prepare_segment(const std::filesystem::path& dir, uint64_t index, uint64_t segment_bytes) {
  const auto path = dir / format::segment_name(index);
  const auto temp = std::filesystem::path(path.string() + ".tmp");
  FileDescriptor file{::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (file.fd < 0) throw_io("open", temp, errno);

  if (const int error = ::posix_fallocate(file.fd, 0, static_cast<off_t>(segment_bytes)); error != 0)
    throw_io("posix_fallocate", temp, error);
  if (::fsync(file.fd) != 0) throw_io("fsync", temp, errno);

  if (::rename(temp.c_str(), path.c_str()) != 0) throw_io("rename", temp, errno);
  sync_directory(dir);
  return path;
}

uint64_t zero_tail(const std::filesystem::path& path, uint64_t offset) {
  uint64_t end = offset;
  {
    MappedFile mapped(path);
    const auto bytes = mapped.bytes();
    for (uint64_t i = bytes.size(); i > offset; --i) {
      if (bytes[i - 1] != 0) {
        end = i;
        break;
      }
    }
  }
  if (end == offset) return 0;

  FileDescriptor file{::open(path.c_str(), O_WRONLY | O_CLOEXEC)};
  if (file.fd < 0) throw_io("open", path, errno);
  if (::lseek(file.fd, static_cast<off_t>(offset), SEEK_SET) < 0) throw_io("lseek", path, errno);
  const std::vector<uint8_t> zeros(std::min(kZeroChunkBytes, end - offset), 0);
  for (uint64_t done = 0; done < end - offset;) {
    const uint64_t chunk = std::min<uint64_t>(zeros.size(), end - offset - done);
    write_all(file.fd, zeros.data(), chunk, path);
    done += chunk;
  }
  if (::fdatasync(file.fd) != 0) throw_io("fdatasync", path, errno);
  return end - offset;
}

void write_file_durably(const std::filesystem::path& path, std::span<const uint8_t> head, std::span<const uint8_t> body) {
  const auto temp = std::filesystem::path(path.string() + ".tmp");
  {
    FileDescriptor file{::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (file.fd < 0) throw_io("open", temp, errno);
    write_all(file.fd, head.data(), head.size(), temp);
    write_all(file.fd, body.data(), body.size(), temp);
    if (::fsync(file.fd) != 0) throw_io("fsync", temp, errno);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) throw_io("rename", temp, errno);
  sync_directory(path.parent_path());
}

}  // namespace jubian::journal::files
