// libFuzzer target: the award rule table parser (ledger::load_rules) on arbitrary TOML
// text. Its contract is to return a table or throw std::runtime_error naming the file
// and the key, so any other exception, a crash or a sanitizer report is a bug.

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "engine/common/log.hpp"
#include "engine/ledger/rules.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path& rules_file() {
  static const fs::path file = [] {
    jubian::set_log_level("off");
    return fs::temp_directory_path() / ("jubian-fuzz-rules-" + std::to_string(::getpid()) + ".toml");
  }();
  return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream out(rules_file(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    const jubian::ledger::RuleTable table = jubian::ledger::load_rules(rules_file());
    (void)table;
  } catch (const std::runtime_error&) {
  }
  return 0;
}
