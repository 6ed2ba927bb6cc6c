// cmake-link: jubian_market
// Replays every scenario file in tests/market/scenarios and compares each command's
// reply, trades and events with the lines written under it.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "scenario_driver.hpp"

namespace jubian::market::testing {
namespace {

std::vector<std::string> scenario_files() {
  std::vector<std::string> files;
  const std::filesystem::path folder = std::filesystem::path(JUBIAN_SOURCE_DIR) / "tests/market/scenarios";
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.path().extension() == ".txt") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

class Scenario : public ::testing::TestWithParam<std::string> {};

TEST_P(Scenario, ReplaysWithExpectedOutput) {
  for (const std::string& failure : run_scenario_file(GetParam())) ADD_FAILURE() << failure;
}

INSTANTIATE_TEST_SUITE_P(Files, Scenario, ::testing::ValuesIn(scenario_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = std::filesystem::path(info.param).stem().string();
                           std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
                           return name;
                         });

}  // namespace
}  // namespace jubian::market::testing
