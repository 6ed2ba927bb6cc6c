// cmake-link: jubian_ledger
// The rule table file: the shipped config/rules.toml contains the policy's defaults, and a
// broken file is rejected with the key named.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "engine/ledger/codes.hpp"
#include "engine/ledger/rules.hpp"

namespace jubian::ledger {
namespace {

const std::filesystem::path kRulesFile = std::filesystem::path(JUBIAN_SOURCE_DIR) / "config" / "rules.toml";

void expect_same_numbers(const RuleSpec& a, const RuleSpec& b) {
  EXPECT_EQ(a.kind, b.kind) << a.name;
  EXPECT_EQ(a.cap_scope, b.cap_scope) << a.name;
  for (size_t side = 0; side < 2; ++side) {
    EXPECT_EQ(a.parts[side].points, b.parts[side].points) << a.name << " side " << side;
    EXPECT_EQ(a.parts[side].rate_bps, b.parts[side].rate_bps) << a.name << " side " << side;
    EXPECT_EQ(a.parts[side].cap, b.parts[side].cap) << a.name << " side " << side;
  }
  EXPECT_EQ(a.tier_points, b.tier_points) << a.name;
  EXPECT_EQ(a.unit_points, b.unit_points) << a.name;
  EXPECT_EQ(a.chain_bps, b.chain_bps) << a.name;
  EXPECT_EQ(a.min_base_fen, b.min_base_fen) << a.name;
}

// Writes the shipped file with one line replaced and returns the path of the copy.
std::filesystem::path edited_copy(const std::string& from, const std::string& to) {
  std::ifstream in(kRulesFile);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  const auto path = std::filesystem::temp_directory_path() / ("rules-test-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << text;
  return path;
}

std::string load_error(const std::filesystem::path& path) {
  try {
    load_rules(path);
  } catch (const std::runtime_error& error) {
    std::filesystem::remove(path);
    return error.what();
  }
  std::filesystem::remove(path);
  return "";
}

TEST(RuleTableFile, ShippedFileMatchesDefaults) {
  const RuleTable loaded = load_rules(kRulesFile);
  const RuleTable defaults = default_rules();
  for (size_t i = 0; i < kRuleCount; ++i) {
    EXPECT_EQ(loaded.rules[i].name, rule_name(static_cast<RuleId>(i + 1)));
    EXPECT_FALSE(loaded.rules[i].clause_zh.empty());
    EXPECT_FALSE(loaded.rules[i].clause_en.empty());
    expect_same_numbers(loaded.rules[i], defaults.rules[i]);
  }
}

TEST(RuleTableFile, BadValuesNameTheKey) {
  EXPECT_NE(load_error(edited_copy("points = 5000", "points = -5000")).find("[register] points"), std::string::npos);
  EXPECT_NE(load_error(edited_copy("rate_bps = 500\ncap = 100000", "rate_bps = \"5%\"\ncap = 100000")).find("[contract_rnd] rate_bps"),
            std::string::npos);
  EXPECT_NE(load_error(edited_copy("kind = \"tiered\"", "kind = \"ladder\"")).find("[branch_center] kind"), std::string::npos);
  EXPECT_NE(load_error(edited_copy("[ip_service]", "[ip_services]")).find("ip_service"), std::string::npos);
  EXPECT_NE(load_error(edited_copy("chain_bps = [300, 200, 100, 100]", "chain_bps = [300, 200]")).find("[broker_chain] chain_bps"),
            std::string::npos);
  EXPECT_NE(load_error(edited_copy("[register]", "[register")).find("parse error at line"), std::string::npos);
  EXPECT_NE(load_error(edited_copy("counter_cap = 10000\ncap_scope = \"per_event\"", "counter_cap = 10000\ncap_scope = \"once_per_account\""))
                .find("[incubation_team] cap_scope"),
            std::string::npos);
  EXPECT_NE(load_error("/nonexistent/rules.toml").find("/nonexistent/rules.toml"), std::string::npos);
}

TEST(PercentPoints, RoundsDownAndDetectsOverflow) {
  EXPECT_EQ(percent_points(1'234'567'89, 200), 24'691);
  EXPECT_EQ(percent_points(4'999, 200), 0);
  EXPECT_EQ(percent_points(5'000, 200), 1);
  EXPECT_EQ(percent_points(INT64_MAX, 10'000), INT64_MAX / 100);
  EXPECT_EQ(percent_points(INT64_MAX, 1'000'000'000'000), -1);
}

}  // namespace
}  // namespace jubian::ledger

namespace jubian::ledger {
namespace {

TEST(LedgerCodes, EveryCodeHasUniqueName) {
  std::set<std::string_view> names;
  for (uint16_t number = 100; number <= code_number(base_below_minimum); ++number) {
    const std::string_view name = code_name(ResultCode{number});
    EXPECT_NE(name, "unknown") << number;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_EQ(code_name(ResultCode{99}), "unknown");
  EXPECT_EQ(code_name(ResultCode{code_number(base_below_minimum) + 1}), "unknown");
  EXPECT_EQ(code_name(insufficient_balance), "insufficient_balance");
}

}  // namespace
}  // namespace jubian::ledger
