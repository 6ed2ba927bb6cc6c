// The bounded crash torture as a test: jubian-torture SIGKILLs jubiand 50 times under
// load and crashes the pipeline at 10 fdatasync calls, checking every restart.
// It took 55 to 110 s on 2 busy shared cores in a Release build.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace {

namespace fs = std::filesystem;

// NOTE: Sanitizer builds are slower (not measured for this test), so they kill fewer times to stay
// inside ctest's 300 s timeout.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kKills = 15;
constexpr int kKillPoints = 4;
#else
constexpr int kKills = 50;
constexpr int kKillPoints = 10;
#endif

// Runs a command line and returns its exit status and combined output.
int run(const std::string& command, std::string& output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Torture, KillsLoseNothingAcknowledged) {
  const fs::path bin = JUBIAN_BIN_DIR;
  for (const char* program : {"jubian-torture", "jubiand", "jubian-wal"}) {
    if (!fs::exists(bin / program)) GTEST_SKIP() << program << " is not built in " << bin << "; build it first";
  }

  std::string output;
  const std::string arguments = " --mode both --seed 7 --kill-after-max-ms 250 --kills " + std::to_string(kKills) +
                                " --kill-points " + std::to_string(kKillPoints);
  const int status = run((bin / "jubian-torture").string() + arguments, output);
  EXPECT_EQ(status, 0) << output.substr(output.size() > 4000 ? output.size() - 4000 : 0);
  EXPECT_NE(output.find("torture_done: mode=server seed=7 kills=" + std::to_string(kKills) + " "), std::string::npos);
  EXPECT_NE(output.find("torture_done: mode=kill-points"), std::string::npos);
}

}  // namespace
