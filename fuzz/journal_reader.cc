// libFuzzer target: the journal reader. The input is written as the only segment file
// of a fresh directory, which then goes through Journal::verify and a read-only
// recovery with replay, the paths jubian-wal and start-up take on a damaged disk.
// Expected failures are a report with ok = false or a JournalError; anything else
// (a crash, a sanitizer report, another exception) is a bug.

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "engine/common/log.hpp"
#include "engine/core/command.hpp"
#include "engine/journal/journal.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path& work_dir() {
  static const fs::path dir = [] {
    const fs::path path = fs::temp_directory_path() / ("jubian-fuzz-journal-" + std::to_string(::getpid()));
    fs::create_directories(path);
    jubian::set_log_level("off");
    return path;
  }();
  return dir;
}

void write_segment(const fs::path& dir, const uint8_t* data, size_t size) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream out(dir / "00000000000000000001.wal", std::ios::binary);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fs::path dir = work_dir() / "journal";
  write_segment(dir, data, size);

  const auto report = jubian::journal::Journal::verify(dir);
  if (report.ok && report.records > 0 && report.last_seq < report.first_seq) std::abort();

  try {
    jubian::journal::Options options;
    options.dir = dir;
    options.read_only = true;
    jubian::journal::Journal journal(options);
    jubian::Command command;
    journal.replay(0, [&](const jubian::journal::RecordView& record, const jubian::journal::BatchInfo&) {
      // A record that passed its CRC32C may contain any bytes, so decoding may fail but must not crash.
      (void)jubian::decode_command(record.type, record.payload, command);
    });
  } catch (const jubian::journal::JournalError&) {
  }
  return 0;
}
