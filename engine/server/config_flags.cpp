// jubiand's command-line flags (CLI11). A flag given on the command line overrides the
// same setting from the --config file.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "engine/server/config.hpp"

namespace jubian::server {
namespace {

struct Flags {
  std::string config_file, data_dir, address, durability, wait, rules_file, categories_file, log_level;
  int port = 0;
  int metrics_port = 0;
  uint32_t io_threads = 1, ledger_shards = 1, market_shards = 1, stage_threads = 0;
  int64_t tick_interval_ms = 0;
  uint64_t segment_bytes = 0;
  std::vector<std::string> tokens;
  bool truncate_damaged_journal = false;
};

void apply(const CLI::App& app, const Flags& flags, DaemonConfig& config) {
  const auto given = [&](const char* name) { return app.get_option(name)->count() > 0; };
  auto& p = config.pipeline;
  if (given("--data-dir")) p.data_dir = flags.data_dir;
  if (given("--address")) config.server.address = flags.address;
  if (given("--port")) config.server.port = static_cast<uint16_t>(flags.port);
  if (given("--durability")) p.durability_sync = flags.durability == "sync";
  if (given("--wait")) {
    p.wait = flags.wait == "spin" ? pipeline::WaitStrategy::spin
             : flags.wait == "block" ? pipeline::WaitStrategy::block
                                     : pipeline::WaitStrategy::yield;
  }
  if (given("--rules")) p.rules_file = flags.rules_file;
  if (given("--categories")) p.categories_file = flags.categories_file;
  if (given("--io-threads")) config.server.io_threads = flags.io_threads;
  if (given("--ledger-shards")) p.ledger_shards = flags.ledger_shards;
  if (given("--market-shards")) p.market_shards = flags.market_shards;
  if (given("--stage-threads")) p.stage_threads = flags.stage_threads;
  if (given("--tick-interval-ms")) p.tick_interval_ms = flags.tick_interval_ms;
  if (given("--segment-bytes")) p.segment_bytes = flags.segment_bytes;
  if (given("--log-level")) config.log_level = flags.log_level;
  if (given("--truncate-damaged-journal")) p.truncate_damaged_journal = true;
  if (given("--metrics-port")) {
    config.server.metrics_port = flags.metrics_port < 0 ? std::nullopt : std::optional<uint16_t>(flags.metrics_port);
  }
}

}  // namespace

std::optional<int> parse_command_line(int argc, const char* const* argv, DaemonConfig& config) {
  CLI::App app{"jubiand: the Jubian matching and accounting engine, serving the gateway protocol over TCP"};
  Flags flags;
  app.add_option("--config", flags.config_file, "TOML configuration file, e.g. config/jubiand.toml; flags override it")
      ->check(CLI::ExistingFile);
  app.add_option("--data-dir", flags.data_dir, "Directory of the journal and snapshots (default: data)");
  app.add_option("--address", flags.address, "Listen address (default: 127.0.0.1)");
  app.add_option("--port", flags.port, "Listen port; 0 lets the kernel choose (printed on the listening line)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--durability", flags.durability, "sync: acknowledge after fdatasync; async: after the write")
      ->check(CLI::IsMember({"sync", "async"}));
  app.add_option("--wait", flags.wait, "How idle pipeline threads wait: spin, yield or block")
      ->check(CLI::IsMember({"spin", "yield", "block"}));
  app.add_option("--io-threads", flags.io_threads, "Gateway I/O threads")->check(CLI::Range(1, 64));
  app.add_option("--ledger-shards", flags.ledger_shards, "Ledger shards")->check(CLI::Range(1, 256));
  app.add_option("--market-shards", flags.market_shards, "Market shards")->check(CLI::Range(1, 256));
  app.add_option("--stage-threads", flags.stage_threads, "Threads running the engine's stages; 0 runs sequencing, stages and responses on one thread")->check(CLI::Range(0, 256));
  app.add_option("--segment-bytes", flags.segment_bytes, "Preallocated size of each journal segment file in bytes")
      ->check(CLI::Range(uint64_t{1} << 20, uint64_t{16} << 30));
  app.add_option("--tick-interval-ms", flags.tick_interval_ms, "Sequenced time tick interval in ms; 0 turns ticks off")
      ->check(CLI::Range(0, 60'000));
  app.add_option("--token", flags.tokens, "Access token as TOKEN:ROLE[:ACCOUNT,...]; ROLE is trader, market_data or admin");
  app.add_option("--rules", flags.rules_file, "Award rule table (default: config/rules.toml)");
  app.add_option("--categories", flags.categories_file, "Market categories (default: config/categories.tsv)");
  app.add_option("--metrics-port", flags.metrics_port, "Prometheus endpoint port on the listen address; 0 picks one, -1 turns it off")
      ->check(CLI::Range(-1, 65535));
  app.add_option("--log-level", flags.log_level, "trace, debug, info, warn, error or critical (default: info)");
  app.add_flag("--truncate-damaged-journal", flags.truncate_damaged_journal,
               "Cut the journal at a damaged record instead of refusing to start (loses the records after it)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }

  try {
    if (!flags.config_file.empty()) load_config_file(flags.config_file, config);
  } catch (const std::exception& error) {
    fmt::print(stderr, "jubiand: {}\n", error.what());
    return 2;
  }
  apply(app, flags, config);

  for (const auto& spec : flags.tokens) {
    std::string token;
    Grant grant;
    if (auto problem = parse_token_spec(spec, token, grant)) {
      fmt::print(stderr, "jubiand: invalid --token: {}\n", *problem);
      return 2;
    }
    config.tokens.emplace_back(std::move(token), std::move(grant));
  }
  return std::nullopt;
}

}  // namespace jubian::server
