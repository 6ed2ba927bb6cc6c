// Replays every tests/auction/scenarios/*.scn file straight through, and again with a
// snapshot save and load before every step, which must give the same results and hashes.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "tests/auction/scenario.hpp"

namespace jubian::auction::testing {
namespace {

std::vector<std::string> scenario_files() {
  std::vector<std::string> files;
  const std::filesystem::path folder = std::filesystem::path(JUBIAN_SOURCE_DIR) / "tests/auction/scenarios";
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() == ".scn") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = std::filesystem::path(info.param).stem().string();
  std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return name;
}

class Scenario : public ::testing::TestWithParam<std::string> {};

TEST_P(Scenario, ReplaysWithExpectedResults) {
  const auto outcome = run_scenario(GetParam(), false);
  EXPECT_GT(outcome.steps, 0u);
  for (const auto& failure : outcome.failures) ADD_FAILURE() << failure;
}

TEST_P(Scenario, SnapshotBeforeEveryStepMatchesStraightRun) {
  const auto straight = run_scenario(GetParam(), false);
  const auto restored = run_scenario(GetParam(), true);
  for (const auto& failure : restored.failures) ADD_FAILURE() << failure;
  ASSERT_EQ(restored.step_hashes.size(), straight.step_hashes.size());
  for (size_t i = 0; i < straight.step_hashes.size(); ++i) {
    EXPECT_EQ(restored.step_hashes[i], straight.step_hashes[i]) << "state hash differs after step " << i + 1;
  }
}

INSTANTIATE_TEST_SUITE_P(Files, Scenario, ::testing::ValuesIn(scenario_files()), test_name);

TEST(ScenarioFiles, FolderHasScenarios) { EXPECT_GE(scenario_files().size(), 5u); }

}  // namespace
}  // namespace jubian::auction::testing
