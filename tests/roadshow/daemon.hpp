#pragma once
// Starts programs for the roadshow tests: jubiand on port 0 with a fresh data directory
// and a token file written by jubian-roadshow, and commands whose output is captured.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace roadshow_test {

inline const std::string kBinDir = JUBIAN_BIN_DIR;
inline const std::string kSourceDir = JUBIAN_SOURCE_DIR;
inline const std::string kAdminToken = "roadshow-admin-token";
inline const std::string kTraderToken = "roadshow-trader-token";
inline const std::string kScreenToken = "roadshow-screen-token";

// Runs argv with stdout and stderr sent to files; returns the pid.
inline pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& out, const std::filesystem::path& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int failed = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return failed == 0 ? pid : -1;
}

inline std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Waits for a child and returns its exit status, or -1 when it did not exit normally.
inline int wait_exit(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// Runs a command to completion and returns its exit status and stdout.
inline int run(const std::vector<std::string>& argv, const std::filesystem::path& dir, const std::string& name,
               std::string& output) {
  const pid_t pid = spawn(argv, dir / (name + ".out"), dir / (name + ".err"));
  if (pid < 0) return -1;
  const int code = wait_exit(pid);
  output = read_file(dir / (name + ".out"));
  return code;
}

// Waits for a "listening: address=... port=N" line in a file and returns N, or 0.
inline uint16_t wait_listening(const std::filesystem::path& out) {
  const std::regex listening(R"(listening: address=\S+ port=(\d+))");
  for (int i = 0; i < 300; ++i) {
    std::smatch match;
    const std::string text = read_file(out);
    if (std::regex_search(text, match, listening)) return static_cast<uint16_t>(std::stoi(match[1]));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

// A server started for one test and stopped with SIGTERM by its pid.
class Server {
 public:
  Server(std::filesystem::path dir, std::string name) : dir_(std::move(dir)), name_(std::move(name)) {}
  ~Server() { stop(); }

  // Starts argv and returns the port of its listening line, or 0 after printing why.
  uint16_t start(const std::vector<std::string>& argv) {
    pid_ = spawn(argv, dir_ / (name_ + ".out"), dir_ / (name_ + ".err"));
    if (pid_ < 0) {
      std::fprintf(stderr, "cannot start %s; build it first (ninja jubiand jubian-roadshow jubian-board)\n", argv[0].c_str());
      return 0;
    }
    const uint16_t port = wait_listening(dir_ / (name_ + ".out"));
    if (port == 0) std::fprintf(stderr, "%s printed no listening line: %s\n", name_.c_str(), read_file(dir_ / (name_ + ".err")).c_str());
    return port;
  }

  // Sends SIGTERM and returns the exit status.
  int stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    const int code = wait_exit(pid_);
    pid_ = -1;
    return code;
  }

  // Kills the process with SIGKILL, as a crash would, and reaps it.
  void crash() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    (void)wait_exit(pid_);
    pid_ = -1;
  }

  std::string errors() const { return read_file(dir_ / (name_ + ".err")); }

 private:
  std::filesystem::path dir_;
  std::string name_;
  pid_t pid_ = -1;
};

// jubiand on port 0 with a fresh data directory and the given token file.
class Daemon : public Server {
 public:
  explicit Daemon(const std::filesystem::path& dir) : Server(dir, "jubiand"), dir_(dir) {}

  // Starts jubiand on `port` (0: the kernel chooses) and returns the port it listens on.
  uint16_t start(const std::filesystem::path& tokens, uint16_t port = 0) {
    return Server::start({kBinDir + "/jubiand", "--config", tokens.string(), "--port", std::to_string(port), "--metrics-port", "-1",
                          "--data-dir", (dir_ / "data").string(), "--rules", kSourceDir + "/config/rules.toml",
                          "--categories", kSourceDir + "/config/categories.tsv"});
  }

 private:
  std::filesystem::path dir_;
};

// A temporary directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "roadshow-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Arguments that every roadshow run of the tests shares.
inline std::vector<std::string> roadshow_args(uint16_t port, const std::vector<std::string>& sizes) {
  std::vector<std::string> args = {kBinDir + "/jubian-roadshow", "--admin-token", kAdminToken, "--trader-token",
                                   kTraderToken, "--screen-token", kScreenToken};
  if (port != 0) {
    args.push_back("--port");
    args.push_back(std::to_string(port));
  }
  args.insert(args.end(), sizes.begin(), sizes.end());
  return args;
}

}  // namespace roadshow_test
