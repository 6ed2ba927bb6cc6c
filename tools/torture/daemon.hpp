#pragma once
// One jubiand child process: started with --port 0, its port read from the listening
// line, killed with SIGKILL or stopped with SIGTERM.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace jubian::torture {

struct DaemonOptions {
  std::filesystem::path program;          // the jubiand binary
  std::filesystem::path data_dir;
  std::filesystem::path rules_file;
  std::filesystem::path categories_file;
  std::filesystem::path log_file;         // jubiand's stderr, appended across restarts
  std::vector<std::string> extra_args;
  uint32_t start_timeout_ms = 30'000;
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions options) : options_(std::move(options)) {}
  ~Daemon();

  // Starts jubiand and waits for its listening line. Throws std::runtime_error when the
  // process exits first or the line does not come within start_timeout_ms.
  void start();

  // Sends SIGKILL and reaps the process.
  void kill();

  // Sends SIGTERM and returns the exit status (the code for a normal exit, 128 + signal).
  int stop();

  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }

  static const char* admin_token() { return "torture-admin"; }
  static const char* trader_token() { return "torture-trader"; }

 private:
  int reap();

  DaemonOptions options_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  int stdout_fd_ = -1;  // read end of jubiand's stdout, open until it exits so it never gets SIGPIPE
};

// Reads VmHWM and VmRSS of a process in KiB from /proc/PID/status; 0 when missing.
struct MemoryUse {
  uint64_t peak_kib = 0;
  uint64_t resident_kib = 0;
};
MemoryUse read_memory_use(pid_t pid);

}  // namespace jubian::torture
