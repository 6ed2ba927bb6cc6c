// The bounded crash torture as a test: jubian-torture SIGKILLs jubiand 50 times under
// load and crashes the pipeline at 10 fdatasync calls, checking every restart.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace {

namespace fs = std::filesystem;

// Runs a command line and returns its exit status and combined output.
int run(const std::string& command, std::string& output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Torture, FiftyKillsLoseNothingAcknowledged) {
  const fs::path bin = JUBIAN_BIN_DIR;
  for (const char* program : {"jubian-torture", "jubiand", "jubian-wal"}) {
    if (!fs::exists(bin / program)) GTEST_SKIP() << program << " is not built in " << bin << "; build it first";
  }

  std::string output;
  const int status = run((bin / "jubian-torture").string() +
                             " --mode both --kills 50 --kill-points 10 --kill-after-max-ms 250 --seed 7",
                         output);
  EXPECT_EQ(status, 0) << output.substr(output.size() > 4000 ? output.size() - 4000 : 0);
  EXPECT_NE(output.find("torture_done: mode=server seed=7 kills=50 "), std::string::npos);
  EXPECT_NE(output.find("torture_done: mode=kill-points"), std::string::npos);
}

}  // namespace
