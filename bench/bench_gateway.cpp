// End-to-end gateway benchmark: starts jubiand (sync durability, temporary data
// directory), registers the accounts, then measures over loopback TCP
//   1. throughput: commands per second from N pipelined connections (closed loop,
//      `window` commands in flight per connection);
//   2. latency: acknowledgement latency percentiles at a fixed offered rate (open loop:
//      each command has a due time, and latency counts from that time, so a stalled
//      server cannot hide its queueing delay).
// After each phase it also prints jubiand's own view, from its metrics endpoint: the mean
// time from submission to the pipeline until the response is queued to the session
// (jubian_ack_seconds), the mean fdatasync and the commands per journal group. The rest
// of a round trip is loopback TCP, the gateway's I/O thread and this client.
// The commands are the award-and-spend ledger stream: even connections send awards as
// the admin, odd ones spend 10 points as the account's trader. One client thread drives
// every connection (bench/load_stream.hpp).
//
//   bench-gateway [--connections 16] [--window 64] [--commands 20000] [--accounts 10000]
//                 [--rate 50000] [--seconds 5] [--jubiand PATH] [--server-arg FLAG ...]
// Run it from the repository root, which holds config/rules.toml and config/categories.tsv.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/client.hpp"
#include "api/protocol.hpp"
#include "bench/load_stream.hpp"

extern char** environ;

namespace {

using namespace jubian;
using Clock = std::chrono::steady_clock;

using bench::LoadStream;
constexpr uint64_t kAccountBase = 3'000'000;
constexpr Points kSpendPoints = 10;
constexpr const char* kAdminToken = "bench-admin";
constexpr const char* kTraderToken = "bench-trader";

struct Settings {
  uint32_t connections = 16;
  uint32_t window = 64;
  uint32_t commands = 20'000;  // per connection, throughput phase
  uint32_t accounts = 10'000;
  uint32_t rate = 50'000;      // commands per second over all connections, latency phase
  uint32_t seconds = 5;        // latency phase duration
  std::string jubiand;
  std::vector<std::string> server_args;  // extra jubiand flags, e.g. --wait block
};

struct Daemon {
  pid_t pid = -1;
  uint16_t port = 0;
  uint16_t metrics_port = 0;
};

uint16_t port_after(const std::string& line, std::string_view key) {
  const auto at = line.find(key);
  if (at == std::string::npos) throw std::runtime_error("jubiand did not print its listening line: " + line);
  return static_cast<uint16_t>(std::stoi(line.substr(at + key.size())));
}

// Starts jubiand on port 0, with its metrics endpoint on another free port.
Daemon start_daemon(const std::string& binary, const std::filesystem::path& data_dir,
                                       const Settings& s) {
  std::string trader = std::string(kTraderToken) + ":trader:";
  for (uint32_t i = 0; i < s.accounts; ++i) trader += (i == 0 ? "" : ",") + std::to_string(kAccountBase + i);
  std::vector<std::string> args = {binary, "--data-dir", data_dir.string(), "--port", "0", "--metrics-port", "0",
                                   "--durability", "sync", "--token", std::string(kAdminToken) + ":admin",
                                   "--token", trader, "--log-level", "warn"};
  args.insert(args.end(), s.server_args.begin(), s.server_args.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  pid_t pid = -1;
  if (posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ) != 0)
    throw std::runtime_error("cannot start " + binary);
  close(fds[1]);
  std::string line;
  char c = 0;
  while (read(fds[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  close(fds[0]);
  return {pid, port_after(line, " port="), port_after(line, " metrics_port=")};
}

// Counters from jubiand's metrics that split a round trip. Each phase prints their change.
struct ServerView {
  double ack_sum = 0, ack_count = 0, sync_sum = 0, sync_count = 0, groups = 0, journaled = 0;
  double syncs_within_10ms = 0;  // the slower ones point at the disk
};

ServerView scrape(uint16_t metrics_port) {
  const std::string body = api::fetch_metrics("127.0.0.1", metrics_port);

  const auto value = [&](std::string_view name) {
    const auto at = body.find("\n" + std::string(name) + " ");
    return at == std::string::npos ? 0.0 : std::stod(body.substr(at + name.size() + 2));
  };
  return {value("jubian_ack_seconds_sum"), value("jubian_ack_seconds_count"), value("jubian_journal_sync_seconds_sum"),
          value("jubian_journal_sync_seconds_count"), value("jubian_journal_groups_total"),
          value("jubian_pipeline_last_applied_seq"), value("jubian_journal_sync_seconds_bucket{le=\"0.01\"}")};
}

void print_server_view(const ServerView& before, const ServerView& after) {
  const auto mean_us = [](double sum, double count) { return count > 0 ? sum / count * 1e6 : 0.0; };
  const double groups = after.groups - before.groups;
  const double syncs = after.sync_count - before.sync_count;
  fmt::print("  server: ack_mean_us={:.0f} sync_mean_us={:.0f} syncs_over_10ms={:.0f} commands_per_group={:.0f}\n",
             mean_us(after.ack_sum - before.ack_sum, after.ack_count - before.ack_count),
             mean_us(after.sync_sum - before.sync_sum, syncs),
             syncs - (after.syncs_within_10ms - before.syncs_within_10ms),
             groups > 0 ? (after.journaled - before.journaled) / groups : 0.0);
}


AccountId account_of(uint64_t index, const Settings& s) { return AccountId{kAccountBase + index % s.accounts}; }

// The award-and-spend ledger stream: stream c sends awards (admin) when c is even and
// spends (trader) when c is odd, each to accounts in turn. Request ids are unique per
// phase and stream, so no command is taken for a retry.
LoadStream::MakeCommand ledger_stream(const Settings& s, uint32_t phase, uint32_t stream) {
  const uint64_t base = (uint64_t{phase} << 48) | (uint64_t{stream} << 32);
  return [&s, base, stream](uint64_t i) {
    const uint64_t request = base + i + 1;
    const AccountId account = account_of(i * s.connections + stream, s);
    if (stream % 2 == 0)
      return Command{AccountId{}, RequestId{request},
                     ledger::Award{ledger::RuleId::challenge_project, account, AccountId{}, 0, request, 0, 0}};
    return Command{account, RequestId{request}, ledger::Spend{kSpendPoints, ledger::UseCode::service, request}};
  };
}

struct PhaseResult {
  double seconds = 0;
  uint64_t answered = 0;
  uint64_t rejected = 0;
  std::vector<double> latencies_us;  // sorted; open loop only
};

// Runs `streams` connections on one thread until each has sent and received its share.
PhaseResult run_phase(uint16_t port, uint32_t streams, const std::function<LoadStream::Settings(uint32_t)>& settings_of,
                      const std::function<LoadStream::MakeCommand(uint32_t)>& make_of) {
  boost::asio::io_context io;
  const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), port);
  std::vector<std::unique_ptr<LoadStream>> connections;
  for (uint32_t c = 0; c < streams; ++c) connections.push_back(std::make_unique<LoadStream>(io, settings_of(c), make_of(c)));
  const auto started = Clock::now();
  for (auto& connection : connections) connection->start(endpoint, started + std::chrono::milliseconds(20));
  io.run();
  PhaseResult result;
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  for (const auto& connection : connections) {
    if (connection->failed()) throw std::runtime_error("a connection failed or was closed by the server");
    result.answered += connection->answered();
    result.rejected += connection->rejected();
    result.latencies_us.insert(result.latencies_us.end(), connection->latencies_us().begin(),
                               connection->latencies_us().end());
  }
  std::sort(result.latencies_us.begin(), result.latencies_us.end());
  return result;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[index];
}

std::string default_jubiand() {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "jubiand").string();
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  s.jubiand = default_jubiand();
  CLI::App app{"bench-gateway: end-to-end throughput and acknowledgement latency of jubiand over loopback"};
  app.add_option("--connections", s.connections, "Client connections (even ones award, odd ones spend)")->check(CLI::Range(2, 1024));
  app.add_option("--window", s.window, "Commands in flight per connection (throughput phase)")->check(CLI::Range(1, 1024));
  app.add_option("--commands", s.commands, "Commands per connection (throughput phase)");
  app.add_option("--accounts", s.accounts, "Accounts registered before timing")->check(CLI::Range(1, 100'000));
  app.add_option("--rate", s.rate, "Offered commands per second over all connections (latency phase)")->check(CLI::Range(1, 10'000'000));
  app.add_option("--seconds", s.seconds, "Duration of the latency phase in seconds");
  app.add_option("--jubiand", s.jubiand, "Path of the jubiand binary (default: beside this program)");
  app.add_option("--server-arg", s.server_args, "Extra jubiand flag, repeatable (e.g. --server-arg=--wait --server-arg=block)")
      ->allow_extra_args(false);
  CLI11_PARSE(app, argc, argv);

  const auto data_dir = std::filesystem::temp_directory_path() / ("jubian-bench-gateway-" + std::to_string(getpid()));
  std::filesystem::remove_all(data_dir);
  const Daemon daemon = start_daemon(s.jubiand, data_dir, s);
  const pid_t pid = daemon.pid;
  const uint16_t port = daemon.port;
  int exit_code = 0;
  try {
    // Setup, untimed: one connection registers every account.
    run_phase(port, 1, [&](uint32_t) { return LoadStream::Settings{kAdminToken, s.accounts, 256}; },
              [&](uint32_t) -> LoadStream::MakeCommand {
                return [&](uint64_t i) {
                  return Command{AccountId{}, RequestId{i + 1},
                                 ledger::RegisterUnit{account_of(i, s), ledger::UnitKind::enterprise}};
                };
              });

    const auto token_of = [](uint32_t c) { return std::string(c % 2 == 0 ? kAdminToken : kTraderToken); };
    ServerView view = scrape(daemon.metrics_port);
    const PhaseResult throughput = run_phase(
        port, s.connections, [&](uint32_t c) { return LoadStream::Settings{token_of(c), s.commands, s.window}; },
        [&](uint32_t c) { return ledger_stream(s, 1, c); });
    fmt::print("throughput: connections={} window={} commands={} durability=sync commands_per_second={:.0f} rejected={}\n",
               s.connections, s.window, throughput.answered, static_cast<double>(throughput.answered) / throughput.seconds,
               throughput.rejected);
    ServerView next = scrape(daemon.metrics_port);
    print_server_view(view, next);
    view = next;

    const uint64_t per_connection = static_cast<uint64_t>(s.rate) * s.seconds / s.connections;
    const auto interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(static_cast<double>(s.connections) / s.rate));
    const PhaseResult latency = run_phase(
        port, s.connections,
        [&](uint32_t c) {
          LoadStream::Settings settings{token_of(c), per_connection, 0, interval};
          return settings;
        },
        [&](uint32_t c) { return ledger_stream(s, 2, c); });
    const auto& samples = latency.latencies_us;
    fmt::print("latency: offered_per_second={} achieved_per_second={:.0f} samples={} p50_us={:.0f} p99_us={:.0f} "
               "p999_us={:.0f} max_us={:.0f}\n",
               s.rate, static_cast<double>(latency.answered) / latency.seconds, samples.size(), percentile(samples, 0.50),
               percentile(samples, 0.99), percentile(samples, 0.999), samples.empty() ? 0.0 : samples.back());
    print_server_view(view, scrape(daemon.metrics_port));
  } catch (const std::exception& error) {
    fmt::print(stderr, "bench-gateway: {}\n", error.what());
    exit_code = 1;
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::filesystem::remove_all(data_dir);
  return exit_code;
}
