#include "engine/server/config.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <toml++/toml.h>

#include <set>
#include <stdexcept>

namespace jubian::server {
namespace {

using Known = std::set<std::string, std::less<>>;

const Known kServerKeys = {"address", "port", "io_threads", "metrics_port", "log_level"};
const Known kEngineKeys = {"data_dir", "durability", "async_sync_interval_ms", "ledger_shards", "market_shards",
                           "stage_threads", "wait", "tick_interval_ms", "rules_file", "categories_file",
                           "truncate_damaged_journal", "segment_bytes", "request_window"};
const Known kLimitKeys = {"frame_body_bytes_max", "connections_max", "in_flight_max", "outbound_bytes_max",
                          "conflate_bytes", "event_pending_max", "login_timeout_ms", "subscriptions_max"};
// Segments of 1 MiB still fit a 64 KiB frame's record; 16 GiB bounds preallocation.
constexpr int64_t kSegmentBytesMin = 1ll << 20;
constexpr int64_t kSegmentBytesMax = 16ll << 30;
constexpr int64_t kRequestWindowMax = 1ll << 26;  // about 5 GiB of idempotency tables
const Known kTokenKeys = {"token", "role", "accounts", "name"};

[[noreturn]] void invalid(const std::filesystem::path& file, std::string_view key, std::string_view why) {
  throw std::runtime_error(fmt::format("{}: invalid value for {}: {}", file.string(), key, why));
}

void check_keys(const toml::table& table, const Known& known, const std::filesystem::path& file, std::string_view section) {
  for (const auto& [key, node] : table) {
    if (!known.contains(key.str())) invalid(file, fmt::format("{}.{}", section, key.str()), "unknown key");
  }
}

// Reads an integer key into `target` when present, checking it lies in [low, high].
template <class T>
void read_int(const toml::table& table, std::string_view section, std::string_view key, int64_t low, int64_t high,
              const std::filesystem::path& file, T& target) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return;
  const auto value = node->value<int64_t>();
  const auto name = fmt::format("{}.{}", section, key);
  if (!value) invalid(file, name, "expected an integer");
  if (*value < low || *value > high) invalid(file, name, fmt::format("{} is outside {}..{}", *value, low, high));
  target = static_cast<T>(*value);
}

void read_string(const toml::table& table, std::string_view section, std::string_view key,
                 const std::filesystem::path& file, std::string& target) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return;
  const auto value = node->value<std::string>();
  if (!value) invalid(file, fmt::format("{}.{}", section, key), "expected a string");
  target = *value;
}

void set_durability(std::string_view text, pipeline::Options& options, const std::filesystem::path& file) {
  if (text == "sync") options.durability_sync = true;
  else if (text == "async") options.durability_sync = false;
  else invalid(file, "engine.durability", fmt::format("'{}': expected sync or async", text));
}

void set_wait(std::string_view text, pipeline::Options& options, const std::filesystem::path& file) {
  if (text == "spin") options.wait = pipeline::WaitStrategy::spin;
  else if (text == "yield") options.wait = pipeline::WaitStrategy::yield;
  else if (text == "block") options.wait = pipeline::WaitStrategy::block;
  else invalid(file, "engine.wait", fmt::format("'{}': expected spin, yield or block", text));
}

void load_server(const toml::table& table, const std::filesystem::path& file, DaemonConfig& config) {
  check_keys(table, kServerKeys, file, "server");
  read_string(table, "server", "address", file, config.server.address);
  read_int(table, "server", "port", 0, 65535, file, config.server.port);
  read_int(table, "server", "io_threads", 1, 64, file, config.server.io_threads);
  read_string(table, "server", "log_level", file, config.log_level);
  int64_t metrics_port = config.server.metrics_port ? *config.server.metrics_port : -1;
  read_int(table, "server", "metrics_port", -1, 65535, file, metrics_port);
  config.server.metrics_port = metrics_port < 0 ? std::nullopt : std::optional<uint16_t>(metrics_port);
}

void load_engine(const toml::table& table, const std::filesystem::path& file, DaemonConfig& config) {
  check_keys(table, kEngineKeys, file, "engine");
  auto& options = config.pipeline;
  std::string text;
  read_string(table, "engine", "data_dir", file, text);
  if (!text.empty()) options.data_dir = std::exchange(text, {});
  read_string(table, "engine", "durability", file, text);
  if (!text.empty()) set_durability(std::exchange(text, {}), options, file);
  read_string(table, "engine", "wait", file, text);
  if (!text.empty()) set_wait(std::exchange(text, {}), options, file);
  read_string(table, "engine", "rules_file", file, text);
  if (!text.empty()) options.rules_file = std::exchange(text, {});
  read_string(table, "engine", "categories_file", file, text);
  if (!text.empty()) options.categories_file = std::exchange(text, {});

  read_int(table, "engine", "async_sync_interval_ms", 1, 60'000, file, options.async_sync_interval_ms);
  read_int(table, "engine", "ledger_shards", 1, 256, file, options.ledger_shards);
  read_int(table, "engine", "market_shards", 1, 256, file, options.market_shards);
  read_int(table, "engine", "stage_threads", 0, 256, file, options.stage_threads);
  read_int(table, "engine", "tick_interval_ms", 0, 60'000, file, options.tick_interval_ms);
  read_int(table, "engine", "segment_bytes", kSegmentBytesMin, kSegmentBytesMax, file, options.segment_bytes);
  read_int(table, "engine", "request_window", 1, kRequestWindowMax, file, options.request_window);
  if (const toml::node* node = table.get("truncate_damaged_journal")) {
    const auto value = node->value<bool>();
    if (!value) invalid(file, "engine.truncate_damaged_journal", "expected true or false");
    options.truncate_damaged_journal = *value;
  }
}

void load_limits(const toml::table& table, const std::filesystem::path& file, DaemonConfig& config) {
  check_keys(table, kLimitKeys, file, "limits");
  auto& limits = config.server.limits;
  constexpr int64_t kFrameBytesCeiling = 1ll << 30;
  read_int(table, "limits", "frame_body_bytes_max", 64, kFrameBytesCeiling, file, limits.frame_body_bytes_max);
  read_int(table, "limits", "connections_max", 1, 1'000'000, file, limits.connections_max);
  read_int(table, "limits", "in_flight_max", 1, 1'000'000, file, limits.in_flight_max);
  read_int(table, "limits", "outbound_bytes_max", 4096, 1ll << 40, file, limits.outbound_bytes_max);
  read_int(table, "limits", "conflate_bytes", 1024, 1ll << 40, file, limits.conflate_bytes);
  read_int(table, "limits", "event_pending_max", 1, 1'000'000, file, limits.event_pending_max);
  read_int(table, "limits", "login_timeout_ms", 1, 3'600'000, file, limits.login_timeout_ms);
  read_int(table, "limits", "subscriptions_max", 1, 1'000'000, file, limits.subscriptions_max);
}

void load_tokens(const toml::array& tokens, const std::filesystem::path& file, DaemonConfig& config) {
  for (const auto& element : tokens) {
    const toml::table* table = element.as_table();
    if (table == nullptr) invalid(file, "tokens", "expected [[tokens]] tables");
    check_keys(*table, kTokenKeys, file, "tokens");

    std::string token, role_text;
    Grant grant;
    read_string(*table, "tokens", "token", file, token);
    read_string(*table, "tokens", "role", file, role_text);
    read_string(*table, "tokens", "name", file, grant.name);
    const auto role = protocol::role_by_name(role_text);
    if (!role) invalid(file, "tokens.role", fmt::format("'{}': expected trader, market_data or admin", role_text));
    grant.role = *role;
    if (grant.name.empty()) grant.name = role_text + "-token";

    if (const toml::node* node = table->get("accounts")) {
      const toml::array* accounts = node->as_array();
      if (accounts == nullptr) invalid(file, "tokens.accounts", "expected an array of account ids");
      for (const auto& account : *accounts) {
        const auto id = account.value<int64_t>();
        if (!id || *id <= 0) invalid(file, "tokens.accounts", "expected positive integers");
        grant.accounts.push_back(AccountId{static_cast<uint64_t>(*id)});
      }
    }
    config.tokens.emplace_back(std::move(token), std::move(grant));
  }
}

}  // namespace

DaemonConfig default_config() {
  DaemonConfig config;
  config.server.metrics_port = 0;
  config.pipeline.data_dir = "data";
  config.pipeline.rules_file = "config/rules.toml";
  config.pipeline.categories_file = "config/categories.tsv";
  return config;
}

void load_config_file(const std::filesystem::path& file, DaemonConfig& config) {
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& error) {
    throw std::runtime_error(fmt::format("{}: cannot parse: {} at line {}", file.string(), error.description(),
                                         error.source().begin.line));
  }

  for (const auto& [key, node] : root) {
    const auto name = key.str();
    if (name == "tokens" && node.is_array()) continue;
    if (!node.is_table() || (name != "server" && name != "engine" && name != "limits"))
      invalid(file, name, "unknown section: expected [server], [engine], [limits] or [[tokens]]");
  }
  if (const auto* server = root["server"].as_table()) load_server(*server, file, config);
  if (const auto* engine = root["engine"].as_table()) load_engine(*engine, file, config);
  if (const auto* limits = root["limits"].as_table()) load_limits(*limits, file, config);
  if (const auto* tokens = root["tokens"].as_array()) load_tokens(*tokens, file, config);
  config.config_file = file;
}

TokenTable make_token_table(const DaemonConfig& config) {
  TokenTable table;
  for (const auto& [token, grant] : config.tokens) {
    if (!table.add(token, grant))
      throw std::runtime_error(fmt::format("token '{}' is empty, longer than {} bytes or listed twice", grant.name,
                                           protocol::kTokenBytesMax));
  }
  return table;
}

std::string describe(const DaemonConfig& config) {
  const auto& p = config.pipeline;
  const auto& l = config.server.limits;
  return fmt::format(
      "config={} address={} port={} io_threads={} metrics_port={} data_dir={} durability={} ledger_shards={} "
      "market_shards={} stage_threads={} tick_interval_ms={} segment_bytes={} request_window={} rules={} categories={} tokens={} "
      "frame_body_bytes_max={} connections_max={} in_flight_max={} outbound_bytes_max={} login_timeout_ms={}",
      config.config_file.empty() ? "none" : config.config_file.string(), config.server.address, config.server.port,
      config.server.io_threads, config.server.metrics_port ? std::to_string(*config.server.metrics_port) : "off",
      p.data_dir.string(), p.durability_sync ? "sync" : "async", p.ledger_shards, p.market_shards, p.stage_threads,
      p.tick_interval_ms, p.segment_bytes, p.request_window, p.rules_file.string(), p.categories_file.string(), config.tokens.size(),
      l.frame_body_bytes_max, l.connections_max, l.in_flight_max, l.outbound_bytes_max, l.login_timeout_ms);
}

}  // namespace jubian::server
