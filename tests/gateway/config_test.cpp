// jubiand's configuration: the shipped file loads, flags override it, and mistakes are
// reported with the file and key.

#include <gtest/gtest.h>

#include <fstream>

#include "engine/server/config.hpp"

namespace jubian::server {
namespace {

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path;
}

TEST(DaemonConfig, ShippedFileLoads) {
  auto config = default_config();
  load_config_file(JUBIAN_SOURCE_DIR "/config/jubiand.toml", config);
  EXPECT_EQ(config.server.address, "127.0.0.1");
  EXPECT_EQ(config.server.port, 7400);
  EXPECT_TRUE(config.pipeline.durability_sync);
  EXPECT_EQ(config.tokens.size(), 3u);
  const auto tokens = make_token_table(config);
  const Grant* trader = tokens.find("demo-trader-token");
  ASSERT_NE(trader, nullptr);
  EXPECT_EQ(trader->role, protocol::Role::trader);
  EXPECT_TRUE(trader->may_act_for(AccountId{1002}));
}

TEST(DaemonConfig, FlagsOverrideFile) {
  auto config = default_config();
  const std::string file = JUBIAN_SOURCE_DIR "/config/jubiand.toml";
  const char* argv[] = {"jubiand", "--config", file.c_str(), "--port", "0", "--durability", "async",
                        "--token", "extra:trader:5,6", "--metrics-port", "-1"};
  const auto exit_code = parse_command_line(static_cast<int>(std::size(argv)), argv, config);
  ASSERT_FALSE(exit_code.has_value());
  EXPECT_EQ(config.server.port, 0);
  EXPECT_FALSE(config.pipeline.durability_sync);
  EXPECT_FALSE(config.server.metrics_port.has_value());
  EXPECT_EQ(config.tokens.size(), 4u);
  EXPECT_EQ(config.server.limits.in_flight_max, 1024u) << "file values stay where no flag is given";
}

TEST(DaemonConfig, UnknownKeyRejected) {
  auto config = default_config();
  const auto path = write_temp("jubiand-unknown-key.toml", "[server]\nprot = 1\n");
  try {
    load_config_file(path, config);
    FAIL() << "a misspelt key loaded";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("server.prot"), std::string::npos) << error.what();
  }
}

TEST(DaemonConfig, OutOfRangeValueRejected) {
  auto config = default_config();
  const auto path = write_temp("jubiand-range.toml", "[server]\nport = 70000\n");
  EXPECT_THROW(load_config_file(path, config), std::runtime_error);
  const auto bad_role = write_temp("jubiand-role.toml", "[[tokens]]\ntoken = \"t\"\nrole = \"boss\"\n");
  EXPECT_THROW(load_config_file(bad_role, config), std::runtime_error);
  const auto bad_durability = write_temp("jubiand-durability.toml", "[engine]\ndurability = \"maybe\"\n");
  EXPECT_THROW(load_config_file(bad_durability, config), std::runtime_error);
}

TEST(DaemonConfig, JournalAndWindowKeysLoad) {
  auto config = default_config();
  EXPECT_EQ(config.pipeline.stage_threads, 0u) << "fused mode by default";
  const auto path = write_temp("jubiand-journal.toml",
                               "[engine]\nsegment_bytes = 4194304\nrequest_window = 1000\nstage_threads = 2\n");
  load_config_file(path, config);
  EXPECT_EQ(config.pipeline.segment_bytes, 4u << 20);
  EXPECT_EQ(config.pipeline.request_window, 1000u);
  EXPECT_EQ(config.pipeline.stage_threads, 2u);

  const char* argv[] = {"jubiand", "--segment-bytes", "2097152"};
  ASSERT_FALSE(parse_command_line(static_cast<int>(std::size(argv)), argv, config).has_value());
  EXPECT_EQ(config.pipeline.segment_bytes, 2u << 20);

  const auto tiny = write_temp("jubiand-tiny-segment.toml", "[engine]\nsegment_bytes = 4096\n");
  EXPECT_THROW(load_config_file(tiny, config), std::runtime_error);
}

TEST(DaemonConfig, DuplicateTokenRejected) {
  auto config = default_config();
  Grant grant;
  grant.role = protocol::Role::admin;
  config.tokens.emplace_back("same", grant);
  config.tokens.emplace_back("same", grant);
  EXPECT_THROW(make_token_table(config), std::runtime_error);
}

}  // namespace
}  // namespace jubian::server
