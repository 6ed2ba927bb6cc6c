#include "tools/torture/daemon.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "tools/torture/workload.hpp"

namespace jubian::torture {

namespace {

std::vector<std::string> daemon_arguments(const DaemonOptions& options) {
  std::string trader_accounts;
  for (uint32_t i = 0; i < 256; ++i) trader_accounts += fmt::format("{}{}", i == 0 ? "" : ",", kFirstAccount + i);

  std::vector<std::string> args = {
      options.program.string(), "--data-dir", options.data_dir.string(), "--address", "127.0.0.1", "--port", "0",
      "--metrics-port", "-1", "--tick-interval-ms", "0", "--rules", options.rules_file.string(),
      "--categories", options.categories_file.string(), "--log-level", "warn",
      "--token", fmt::format("{}:admin", Daemon::admin_token()),
      "--token", fmt::format("{}:trader:{}", Daemon::trader_token(), trader_accounts)};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  return args;
}

// Reads lines from fd until one starts with "listening:"; returns the port it names.
uint16_t read_listening_port(int fd, uint32_t timeout_ms) {
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buffer[256];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd waiting{fd, POLLIN, 0};
    if (::poll(&waiting, 1, 100) <= 0) continue;
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) throw std::runtime_error("jubiand exited before printing its listening line: " + text);
    text.append(buffer, static_cast<size_t>(n));

    const auto at = text.find("port=");
    if (text.rfind("listening:", 0) == 0 && at != std::string::npos && text.find('\n') != std::string::npos)
      return static_cast<uint16_t>(std::stoul(text.substr(at + 5)));
  }
  throw std::runtime_error(fmt::format("jubiand printed no listening line within {} ms", timeout_ms));
}

}  // namespace

Daemon::~Daemon() {
  if (pid_ > 0) kill();
}

void Daemon::start() {
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error(std::string("pipe failed: ") + std::strerror(errno));
  const std::vector<std::string> args = daemon_arguments(options_);
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    const int log = ::open(options_.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) ::dup2(log, STDERR_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);

  stdout_fd_ = out[0];
  try {
    port_ = read_listening_port(stdout_fd_, options_.start_timeout_ms);
  } catch (...) {
    kill();
    throw;
  }
}

void Daemon::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  reap();
}

int Daemon::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  return reap();
}

int Daemon::reap() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

MemoryUse read_memory_use(pid_t pid) {
  MemoryUse use;
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string key;
  uint64_t value = 0;
  std::string unit;
  while (status >> key) {
    if (key == "VmHWM:" && status >> value >> unit) use.peak_kib = value;
    else if (key == "VmRSS:" && status >> value >> unit) use.resident_kib = value;
  }
  return use;
}

}  // namespace jubian::torture
