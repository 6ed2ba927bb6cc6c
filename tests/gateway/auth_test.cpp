// Tokens and roles: who may send which command and subscribe to what.

#include <gtest/gtest.h>

#include "api/codes.hpp"
#include "engine/server/auth.hpp"

namespace jubian::server {
namespace {

using protocol::Role;
using protocol::SubscriptionKind;

Grant grant_of(Role role, std::vector<AccountId> accounts = {}) {
  Grant grant;
  grant.role = role;
  grant.accounts = std::move(accounts);
  std::sort(grant.accounts.begin(), grant.accounts.end());
  return grant;
}

TEST(Authorize, CommandAccessByRole) {
  const auto trader = grant_of(Role::trader, {AccountId{11}, AccountId{12}});
  const auto market = grant_of(Role::market_data);
  const auto admin = grant_of(Role::admin);
  struct Case {
    const Grant* grant;
    Access access;
    uint64_t actor;
    ResultCode expected;
  };
  const Case cases[] = {
      {&trader, Access::trader, 11, ResultCode::ok},
      {&trader, Access::trader, 12, ResultCode::ok},
      {&trader, Access::trader, 13, gateway::actor_forbidden},
      {&trader, Access::admin, 11, gateway::role_forbidden},
      {&trader, Access::market_data, 0, ResultCode::ok},
      {&trader, Access::system, 11, gateway::role_forbidden},
      {&market, Access::market_data, 0, ResultCode::ok},
      {&market, Access::trader, 11, gateway::role_forbidden},
      {&market, Access::admin, 0, gateway::role_forbidden},
      {&admin, Access::admin, 0, ResultCode::ok},
      {&admin, Access::market_data, 0, ResultCode::ok},
      {&admin, Access::trader, 11, gateway::role_forbidden},
      {&admin, Access::system, 0, gateway::role_forbidden},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(authorize_command(*c.grant, c.access, AccountId{c.actor}), c.expected)
        << "role=" << protocol::role_name(c.grant->role) << " access=" << static_cast<int>(c.access)
        << " actor=" << c.actor;
  }
}

TEST(Authorize, SubscriptionByRole) {
  const auto trader = grant_of(Role::trader, {AccountId{11}});
  const auto market = grant_of(Role::market_data);
  const auto admin = grant_of(Role::admin);
  EXPECT_EQ(authorize_subscription(market, {SubscriptionKind::lot, 5}), ResultCode::ok);
  EXPECT_EQ(authorize_subscription(market, {SubscriptionKind::category, 101}), ResultCode::ok);
  EXPECT_EQ(authorize_subscription(market, {SubscriptionKind::account, 11}), gateway::role_forbidden);
  EXPECT_EQ(authorize_subscription(trader, {SubscriptionKind::account, 11}), ResultCode::ok);
  EXPECT_EQ(authorize_subscription(trader, {SubscriptionKind::account, 12}), gateway::actor_forbidden);
  EXPECT_EQ(authorize_subscription(admin, {SubscriptionKind::account, 12}), ResultCode::ok);
  EXPECT_EQ(authorize_subscription(admin, {SubscriptionKind::lot, 0}), gateway::subscription_invalid);
  EXPECT_EQ(authorize_subscription(admin, {static_cast<SubscriptionKind>(9), 1}), gateway::subscription_invalid);
}

TEST(TokenSpec, ParsesRoleAndAccounts) {
  std::string token;
  Grant grant;
  ASSERT_FALSE(parse_token_spec("s3cret:trader:7,3,5", token, grant).has_value());
  EXPECT_EQ(token, "s3cret");
  EXPECT_EQ(grant.role, Role::trader);
  ASSERT_EQ(grant.accounts.size(), 3u);

  TokenTable table;
  ASSERT_TRUE(table.add(token, grant));
  const Grant* found = table.find("s3cret");
  ASSERT_NE(found, nullptr);
  EXPECT_TRUE(found->may_act_for(AccountId{5}));
  EXPECT_FALSE(found->may_act_for(AccountId{4}));
  EXPECT_EQ(table.find("other"), nullptr);
  EXPECT_FALSE(table.add("s3cret", grant)) << "a token is granted once";
}

TEST(TokenSpec, RejectsBadSpecs) {
  std::string token;
  Grant grant;
  for (const char* spec : {"", "nocolon", ":trader", "t:boss", "t:trader:1,x", "t:trader:0", "t:trader:1,,2"}) {
    EXPECT_TRUE(parse_token_spec(spec, token, grant).has_value()) << spec;
  }
  EXPECT_FALSE(parse_token_spec("t:market_data", token, grant).has_value());
  EXPECT_FALSE(parse_token_spec("t:admin:", token, grant).has_value());
}

}  // namespace
}  // namespace jubian::server
