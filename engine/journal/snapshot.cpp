// Snapshots: one file per snapshot, written through a temp file and a rename.

#include <algorithm>
#include <cstring>

#include "engine/common/log.hpp"
#include "engine/journal/codes.hpp"
#include "engine/journal/files.hpp"
#include "engine/journal/format.hpp"
#include "engine/journal/journal.hpp"

namespace jubian::journal {
namespace {

constexpr std::string_view kSnapshotPrefix = "snapshot-";
constexpr std::string_view kSnapshotSuffix = ".snap";

struct SnapshotFile {
  std::filesystem::path path;
  Seq seq = 0;
};

// Snapshot files of dir, newest first.
std::vector<SnapshotFile> list_snapshots(const std::filesystem::path& dir) {
  std::vector<SnapshotFile> snapshots;
  if (!std::filesystem::exists(dir)) return snapshots;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    if (!name.starts_with(kSnapshotPrefix) || !name.ends_with(kSnapshotSuffix)) continue;
    const auto digits = name.substr(kSnapshotPrefix.size(), name.size() - kSnapshotPrefix.size() - kSnapshotSuffix.size());
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    snapshots.push_back({entry.path(), std::stoull(digits)});
  }
  std::sort(snapshots.begin(), snapshots.end(), [](const auto& a, const auto& b) { return a.seq > b.seq; });
  return snapshots;
}

// Reads and checks one snapshot; returns the reason when it is invalid.
std::optional<Journal::Snapshot> read_snapshot(const SnapshotFile& file, std::string& reason) {
  files::MappedFile mapped(file.path);
  const auto bytes = mapped.bytes();
  if (bytes.size() < format::kSnapshotHeaderBytes) {
    reason = "shorter than its header";
    return std::nullopt;
  }
  const auto header = format::load<format::SnapshotHeader>(bytes.data());
  const auto state = bytes.subspan(format::kSnapshotHeaderBytes);
  if (header.magic != format::kSnapshotMagic || header.version != format::kVersion) {
    reason = "magic or version is invalid";
  } else if (header.state_bytes != state.size()) {
    reason = "state_bytes differs from the file size";
  } else if (header.crc != format::snapshot_crc(header, state)) {
    reason = "CRC32C does not match";
  } else if (header.seq != file.seq) {
    reason = "seq differs from the file name";
  } else {
    return Journal::Snapshot{header.seq, header.chain_hash, std::vector<uint8_t>(state.begin(), state.end()), file.path};
  }
  return std::nullopt;
}

}  // namespace

void Journal::write_snapshot(Seq seq, const Digest& chain_hash, std::span<const uint8_t> state) {
  if (options_.read_only) throw std::logic_error("journal: write_snapshot() on a read-only journal");
  const auto header = format::make_snapshot_header(seq, chain_hash, state);
  const auto path = options_.dir / format::snapshot_name(seq);
  files::write_file_durably(path, {reinterpret_cast<const uint8_t*>(&header), sizeof(header)}, state);
  auto log = logger("journal");
  log->info("snapshot_written: file={} seq={} state_bytes={}", path.filename().string(), seq, state.size());

  const auto snapshots = list_snapshots(options_.dir);
  for (size_t i = options_.snapshots_kept; i < snapshots.size(); ++i) {
    std::filesystem::remove(snapshots[i].path);
    log->info("snapshot_removed: file={} seq={}", snapshots[i].path.filename().string(), snapshots[i].seq);
  }
}

std::optional<Journal::Snapshot> Journal::load_latest_snapshot(const std::filesystem::path& dir) {
  auto log = logger("journal");
  for (const auto& file : list_snapshots(dir)) {
    std::string reason;
    if (auto snapshot = read_snapshot(file, reason)) {
      log->info("snapshot_loaded: file={} seq={} state_bytes={}", file.path.filename().string(), snapshot->seq,
                snapshot->state.size());
      return snapshot;
    }
    log->warn("snapshot_skipped: file={} reason=\"{}\"", file.path.filename().string(), reason);
  }
  return std::nullopt;
}

}  // namespace jubian::journal
