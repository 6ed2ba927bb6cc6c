#pragma once
// Tokens, roles and the checks a session passes before a command reaches the pipeline.
//
// A token grants one role:
//   trader       trader commands for the accounts its grant lists, plus market-data queries
//   market_data  market-data queries and lot and category subscriptions
//   admin        admin commands, market-data queries and every subscription
// System commands (ticks) are never accepted from a session.

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/protocol.hpp"
#include "engine/common/context.hpp"

namespace jubian::server {

struct Grant {
  std::string name;  // a label for logs; the token itself is never logged
  protocol::Role role = protocol::Role::none;
  std::vector<AccountId> accounts;  // sorted; only traders use them

  bool may_act_for(AccountId account) const;
};

class TokenTable {
 public:
  // Adds a grant; returns false when the token is empty or already present.
  bool add(std::string token, Grant grant);
  const Grant* find(std::string_view token) const;
  size_t size() const { return grants_.size(); }

 private:
  std::unordered_map<std::string, Grant> grants_;
};

// Parses "TOKEN:ROLE[:ACCOUNT,ACCOUNT...]" (the --token flag). Returns an error message
// naming the problem, or nullopt on success.
std::optional<std::string> parse_token_spec(std::string_view spec, std::string& token, Grant& grant);

// ok, role_forbidden or actor_forbidden for a command of this access class and actor.
ResultCode authorize_command(const Grant& grant, Access access, AccountId actor);

// ok, subscription_invalid, role_forbidden or actor_forbidden for a subscription.
ResultCode authorize_subscription(const Grant& grant, protocol::Subscription subscription);

}  // namespace jubian::server
