// jubian-ledger-load: the award-and-spend ledger stream against jubiand, for comparison
// with PostgreSQL and Redis running the same stream (bench/peers/run.sh).
//
// Registers `accounts` units, then sends `commands` commands over `connections` sockets
// with at most `depth` unanswered on each: even connections send `award` (admin,
// challenge_project, a fresh reference each), odd ones `spend` (trader, 10 points).
// Prints one JSON line: commands, seconds, commands_per_second, rejected.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <deque>

#include "api/client.hpp"
#include "api/protocol.hpp"
#include "bench/load_stream.hpp"

namespace {

using namespace jubian;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr uint64_t kAccountBase = 2'000'000;
constexpr uint64_t kRequestBase = 1ull << 33;
constexpr Points kSpendPoints = 10;
constexpr size_t kSetupWindow = 512;

struct Settings {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string admin_token, trader_token;
  uint32_t accounts = 10'000;
  uint64_t commands = 1'000'000;
  uint32_t connections = 16;
  uint32_t depth = 64;
};

AccountId account_of(uint64_t index, const Settings& settings) { return AccountId{kAccountBase + index % settings.accounts}; }

void register_accounts(const Settings& settings) {
  api::Client client;
  client.connect(settings.host, settings.port);
  client.login(settings.admin_token);
  std::deque<uint64_t> in_flight;
  for (uint32_t i = 0; i < settings.accounts; ++i) {
    in_flight.push_back(client.send(Command{AccountId{}, RequestId{kRequestBase / 2 + i},
                                            ledger::RegisterUnit{account_of(i, settings), ledger::UnitKind::enterprise}}));
    if (in_flight.size() >= kSetupWindow) {
      (void)client.await(in_flight.front());
      in_flight.pop_front();
    }
  }
  for (const uint64_t id : in_flight) (void)client.await(id);
}

// The i-th command of stream `index`: awards from even streams, spends from odd ones.
Command stream_command(const Settings& settings, uint32_t index, uint64_t i) {
  const uint64_t n = i * settings.connections + index;
  const AccountId account = account_of(n, settings);
  if (index % 2 == 0) {
    return Command{AccountId{}, RequestId{kRequestBase + n},
                   ledger::Award{ledger::RuleId::challenge_project, account, AccountId{}, 0, kRequestBase + n, 0, 0}};
  }
  return Command{account, RequestId{kRequestBase + n}, ledger::Spend{kSpendPoints, ledger::UseCode::service, n}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"jubian-ledger-load: the award-and-spend ledger stream against jubiand"};
  Settings settings;
  app.add_option("--host", settings.host, "jubiand address (default: 127.0.0.1)");
  app.add_option("--port", settings.port, "jubiand port")->required();
  app.add_option("--admin-token", settings.admin_token, "Token with the admin role (sends awards)")->required();
  app.add_option("--trader-token", settings.trader_token, "Token with the trader role for every account (sends spends)")->required();
  app.add_option("--accounts", settings.accounts, "Accounts registered before timing")->check(CLI::Range(1u, 1'000'000u));
  app.add_option("--commands", settings.commands, "Commands sent while timing");
  app.add_option("--connections", settings.connections, "Connections; even ones award, odd ones spend")->check(CLI::Range(2u, 1024u));
  app.add_option("--depth", settings.depth, "Unanswered commands per connection")->check(CLI::Range(1u, 1024u));
  bool print_accounts = false;
  app.add_flag("--print-accounts", print_accounts, "Print the account ids as a comma-separated list, then exit");
  CLI11_PARSE(app, argc, argv);

  if (print_accounts) {
    for (uint32_t i = 0; i < settings.accounts; ++i) fmt::print("{}{}", i == 0 ? "" : ",", kAccountBase + i);
    fmt::print("\n");
    return 0;
  }
  try {
    register_accounts(settings);
    asio::io_context io;
    const tcp::endpoint endpoint(asio::ip::make_address(settings.host), settings.port);
    std::vector<std::unique_ptr<bench::LoadStream>> streams;
    for (uint32_t i = 0; i < settings.connections; ++i) {
      // Stream i sends commands i, i + connections, ... of the whole stream.
      const uint64_t share = settings.commands / settings.connections + (i < settings.commands % settings.connections);
      bench::LoadStream::Settings stream{i % 2 == 0 ? settings.admin_token : settings.trader_token, share, settings.depth};
      streams.push_back(std::make_unique<bench::LoadStream>(
          io, stream, [&settings, i](uint64_t n) { return stream_command(settings, i, n); }));
    }
    const auto started = std::chrono::steady_clock::now();
    for (auto& stream : streams) stream->start(endpoint, started);
    io.run();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    uint64_t answered = 0, rejected = 0;
    for (const auto& stream : streams) {
      answered += stream->answered();
      rejected += stream->rejected();
    }
    fmt::print(R"({{"commands":{},"seconds":{:.3f},"commands_per_second":{:.0f},"rejected":{}}})" "\n", answered, seconds,
               static_cast<double>(answered) / seconds, rejected);
    return answered == settings.commands ? 0 : 1;
  } catch (const std::exception& error) {
    fmt::print(stderr, "jubian-ledger-load: failed: {}\n", error.what());
    return 2;
  }
}
