// A real jubiand on port 0 with a temporary data directory, driven by the client
// library: acknowledged commands survive SIGKILL, SIGTERM drains and exits 0.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "api/client.hpp"
#include "api/command_text.hpp"

extern char** environ;

namespace jubian {
namespace {

constexpr const char* kAdminToken = "daemon-test-admin";

// One jubiand process; killed with SIGKILL if the test has not stopped it.
class Daemon {
 public:
  explicit Daemon(const std::filesystem::path& data_dir) {
    const std::string bin = JUBIAN_BIN_DIR "/jubiand";
    const std::string source = JUBIAN_SOURCE_DIR;
    std::vector<std::string> args = {bin, "--data-dir", data_dir.string(), "--port", "0", "--metrics-port", "-1",
                                     "--tick-interval-ms", "0", "--token", std::string(kAdminToken) + ":admin",
                                     "--rules", source + "/config/rules.toml", "--categories",
                                     source + "/config/categories.tsv", "--log-level", "warn"};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    const int spawned = posix_spawn(&pid_, bin.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    stdout_ = pipe_fds[0];
    if (spawned != 0) throw std::runtime_error("cannot start " + bin);
    port_ = read_port();
  }

  ~Daemon() {
    if (pid_ > 0) kill_hard();
    if (stdout_ >= 0) close(stdout_);
  }

  uint16_t port() const { return port_; }

  void kill_hard() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // Sends SIGTERM and returns the exit status.
  int terminate() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  // Reads stdout until the "listening: ... port=N" line, for at most 30 seconds.
  uint16_t read_port() {
    std::string text;
    char buffer[256];
    pollfd descriptor{stdout_, POLLIN, 0};
    while (text.find('\n') == std::string::npos) {
      if (poll(&descriptor, 1, 30'000) <= 0) throw std::runtime_error("jubiand printed no listening line");
      const ssize_t n = read(stdout_, buffer, sizeof(buffer));
      if (n <= 0) throw std::runtime_error("jubiand exited before listening");
      text.append(buffer, static_cast<size_t>(n));
    }
    const auto at = text.find(" port=");
    if (!text.starts_with("listening: ") || at == std::string::npos) throw std::runtime_error("unexpected line: " + text);
    return static_cast<uint16_t>(std::stoi(text.substr(at + 6)));
  }

  pid_t pid_ = -1;
  int stdout_ = -1;
  uint16_t port_ = 0;
};

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(JUBIAN_BIN_DIR "/jubiand")) GTEST_SKIP() << "build the jubiand target first";
    data_dir_ = std::filesystem::temp_directory_path() / ("jubian-daemon-test-" + std::to_string(getpid()));
    std::filesystem::remove_all(data_dir_);
  }
  void TearDown() override { std::filesystem::remove_all(data_dir_); }

  static std::unique_ptr<api::Client> connect(uint16_t port) {
    auto client = std::make_unique<api::Client>();
    client->connect("127.0.0.1", port);
    client->login(kAdminToken);
    return client;
  }

  static Command command(std::string_view name, std::vector<std::string> arguments) {
    Command built;
    const auto problem = api::build_command(name, arguments, built);
    if (problem) throw std::runtime_error(*problem);
    return built;
  }

  static std::array<int64_t, 4> state_hash(api::Client& client) {
    const auto response = client.call(command("state_hash", {}));
    EXPECT_EQ(response.reply.code, ResultCode::ok);
    return response.reply.values;
  }

  std::filesystem::path data_dir_;
};

TEST_F(DaemonTest, AcknowledgedCommandsSurviveSigkill) {
  constexpr int kUnits = 300;
  std::array<int64_t, 4> hash_before{};
  std::vector<Command> sent;
  std::vector<Reply> acknowledged;
  {
    Daemon daemon(data_dir_);
    auto client = connect(daemon.port());
    std::vector<uint64_t> ids;
    for (int i = 0; i < kUnits; ++i) {
      sent.push_back(command("register_unit", {"account=" + std::to_string(5000 + i), "kind=1",
                                               "request_id=" + std::to_string(70'000 + i)}));
      ids.push_back(client->send(sent.back()));
    }
    for (const uint64_t id : ids) {
      acknowledged.push_back(client->await(id).reply);
      ASSERT_EQ(acknowledged.back().code, ResultCode::ok) << "request " << id;
    }
    hash_before = state_hash(*client);
    daemon.kill_hard();
  }

  Daemon restarted(data_dir_);
  auto client = connect(restarted.port());
  EXPECT_EQ(state_hash(*client), hash_before) << "recovery rebuilt a different state";
  // Every acknowledged command is known after the restart: a retry returns the original
  // reply, sequence number included, instead of applying it again.
  for (size_t i = 0; i < sent.size(); i += 37) {
    const auto retry = client->call(sent[i]).reply;
    EXPECT_EQ(retry.code, ResultCode::ok) << "unit " << i;
    EXPECT_EQ(retry.seq, acknowledged[i].seq) << "unit " << i;
  }
  EXPECT_EQ(state_hash(*client), hash_before) << "retries changed nothing";
}

TEST_F(DaemonTest, SigtermDrainsAndExitsZero) {
  Daemon daemon(data_dir_);
  auto client = connect(daemon.port());
  std::vector<uint64_t> ids;
  for (int i = 0; i < 50; ++i) ids.push_back(client->send(command("register_unit", {"account=" + std::to_string(9000 + i), "kind=1"})));
  client->flush();
  EXPECT_EQ(client->await(ids.back()).reply.code, ResultCode::ok);
  EXPECT_EQ(daemon.terminate(), 0);
}

}  // namespace
}  // namespace jubian
