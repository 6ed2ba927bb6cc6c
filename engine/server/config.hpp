#pragma once
// jubiand's configuration: built-in defaults, then a TOML file (config/jubiand.toml),
// then command-line flags, each overriding the one before.
//
// File layout (every key optional; unknown sections and keys are rejected):
//   [server]  address port io_threads metrics_port log_level
//   [engine]  data_dir durability async_sync_interval_ms ledger_shards market_shards
//             stage_threads wait tick_interval_ms rules_file categories_file
//             truncate_damaged_journal
//   [limits]  frame_body_bytes_max connections_max in_flight_max outbound_bytes_max
//             conflate_bytes event_pending_max login_timeout_ms subscriptions_max
//   [[tokens]] token role accounts name

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/pipeline/pipeline.hpp"
#include "engine/server/auth.hpp"
#include "engine/server/server.hpp"

namespace jubian::server {

struct DaemonConfig {
  ServerOptions server;
  pipeline::Options pipeline;
  std::vector<std::pair<std::string, Grant>> tokens;
  std::string log_level = "info";
  std::filesystem::path config_file;
};

// Returns the built-in defaults: one I/O thread, one stage thread, metrics on a port
// the kernel chooses, data in ./data, sync durability, no tokens.
DaemonConfig default_config();

// Reads a TOML file into `config`. Throws std::runtime_error naming the file and key.
void load_config_file(const std::filesystem::path& file, DaemonConfig& config);

// Parses the command line, reading --config first when given. Returns an exit code
// when the program should stop (help, or an invalid option after printing why).
std::optional<int> parse_command_line(int argc, const char* const* argv, DaemonConfig& config);

// Builds the token table; throws std::runtime_error on a duplicate or empty token.
TokenTable make_token_table(const DaemonConfig& config);

// One log line's worth of the options, without tokens.
std::string describe(const DaemonConfig& config);

}  // namespace jubian::server
