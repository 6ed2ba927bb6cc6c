// Building commands from "field=value" text and printing results, as the CLI does.

#include <gtest/gtest.h>

#include "api/codes.hpp"
#include "api/command_text.hpp"
#include "engine/core/system_commands.hpp"

namespace jubian::api {
namespace {

TEST(BuildCommand, SetsEnvelopeFields) {
  Command command;
  const std::vector<std::string> arguments = {"actor=1001", "request_id=0x10"};
  ASSERT_FALSE(build_command("state_hash", arguments, command).has_value());
  EXPECT_EQ(command.actor.value, 1001u);
  EXPECT_EQ(command.request_id.value, 16u);
  EXPECT_EQ(command.type(), system::StateHashQuery::kType);
}

TEST(BuildCommand, EveryRegisteredFieldIsSettable) {
  // Sets every field of every command to 1 by name.
  for_each_command([](auto sample) {
    using T = decltype(sample);
    std::vector<std::string> arguments;
    auto names = [&](const char* name, const auto&) { arguments.push_back(std::string(name) + "=1"); };
    T body{};
    body.visit(names);

    Command command;
    const auto problem = build_command(T::kName, arguments, command);
    EXPECT_FALSE(problem.has_value()) << T::kName << ": " << problem.value_or("");
  });
}

TEST(BuildCommand, RejectsUnknownFieldAndBadValue) {
  Command command;
  const std::vector<std::string> unknown = {"colour=red"};
  const auto problem = build_command("state_hash", unknown, command);
  ASSERT_TRUE(problem.has_value());
  EXPECT_NE(problem->find("colour"), std::string::npos);

  const std::vector<std::string> bad = {"actor=12x"};
  EXPECT_TRUE(build_command("state_hash", bad, command).has_value());
  const std::vector<std::string> no_equals = {"actor"};
  EXPECT_TRUE(build_command("state_hash", no_equals, command).has_value());
  EXPECT_TRUE(build_command("no_such_command", {}, command).has_value());
}

TEST(ResultMessage, ChineseEnglishAndFallback) {
  EXPECT_EQ(result_message(ResultCode::ok, Language::zh), "成功");
  EXPECT_EQ(result_message(ResultCode::ok, Language::en), "succeeded");
  EXPECT_EQ(result_message(gateway::token_invalid, Language::zh), "令牌无效");
  EXPECT_EQ(result_message(gateway::subscription_not_found, Language::en), "subscription_not_found");
}

TEST(FormatTime, UsesChinaStandardTime) {
  // 2026-12-31T16:00:00Z is already the first second of 2027 in Beijing.
  const TimeNs new_year = 1798732800ll * 1'000'000'000;
  EXPECT_EQ(format_time_cst(new_year), "2027-01-01T00:00:00.000+08:00");
}

TEST(FormatResponse, JsonCarriesCodeAndName) {
  protocol::ResponseMessage response;
  response.command_type = system::StateHashQuery::kType;
  response.request_id = RequestId{5};
  response.reply.code = gateway::role_forbidden;
  const auto json = response_json(response, Language::en);
  EXPECT_EQ(json["code"], 414);
  EXPECT_EQ(json["name"], "role_forbidden");
  EXPECT_EQ(json["command"], "state_hash");
}

}  // namespace
}  // namespace jubian::api
