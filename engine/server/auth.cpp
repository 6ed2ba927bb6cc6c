#include "engine/server/auth.hpp"

#include <algorithm>
#include <charconv>

#include "api/codes.hpp"

namespace jubian::server {

using protocol::Role;
using protocol::SubscriptionKind;

bool Grant::may_act_for(AccountId account) const {
  return std::binary_search(accounts.begin(), accounts.end(), account);
}

bool TokenTable::add(std::string token, Grant grant) {
  if (token.empty() || token.size() > protocol::kTokenBytesMax) return false;
  std::sort(grant.accounts.begin(), grant.accounts.end());
  return grants_.emplace(std::move(token), std::move(grant)).second;
}

const Grant* TokenTable::find(std::string_view token) const {
  const auto found = grants_.find(std::string(token));
  return found == grants_.end() ? nullptr : &found->second;
}

std::optional<std::string> parse_token_spec(std::string_view spec, std::string& token, Grant& grant) {
  const auto first = spec.find(':');
  if (first == std::string_view::npos || first == 0) return "expected TOKEN:ROLE[:ACCOUNTS], got no token";
  token.assign(spec.substr(0, first));

  const auto rest = spec.substr(first + 1);
  const auto second = rest.find(':');
  const auto role_text = rest.substr(0, second);
  const auto role = protocol::role_by_name(role_text);
  if (!role) return "invalid role '" + std::string(role_text) + "': expected trader, market_data or admin";
  grant.role = *role;
  grant.name = std::string(role_text) + "-token";

  grant.accounts.clear();
  auto list = second == std::string_view::npos ? std::string_view{} : rest.substr(second + 1);
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto item = list.substr(0, comma);
    uint64_t number = 0;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), number);
    if (error != std::errc{} || end != item.data() + item.size() || number == 0)
      return "invalid account id '" + std::string(item) + "': expected a positive integer";
    grant.accounts.push_back(AccountId{number});
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  return std::nullopt;
}

ResultCode authorize_command(const Grant& grant, Access access, AccountId actor) {
  switch (access) {
    case Access::market_data:
      return grant.role == Role::none ? gateway::not_logged_in : ResultCode::ok;
    case Access::admin:
      return grant.role == Role::admin ? ResultCode::ok : gateway::role_forbidden;
    case Access::trader:
      if (grant.role != Role::trader) return gateway::role_forbidden;
      return grant.may_act_for(actor) ? ResultCode::ok : gateway::actor_forbidden;
    case Access::system:
      break;
  }
  return gateway::role_forbidden;
}

ResultCode authorize_subscription(const Grant& grant, protocol::Subscription subscription) {
  if (subscription.key == 0) return gateway::subscription_invalid;
  switch (subscription.kind) {
    case SubscriptionKind::lot:
    case SubscriptionKind::category:
      return grant.role == Role::none ? gateway::not_logged_in : ResultCode::ok;
    case SubscriptionKind::account:
      if (grant.role == Role::admin) return ResultCode::ok;
      if (grant.role != Role::trader) return gateway::role_forbidden;
      return grant.may_act_for(AccountId{subscription.key}) ? ResultCode::ok : gateway::actor_forbidden;
  }
  return gateway::subscription_invalid;
}

}  // namespace jubian::server
