#include "engine/ledger/codes.hpp"

#include <array>

namespace jubian::ledger {

namespace {

constexpr uint16_t kFirstCode = 100;

constexpr std::array<std::string_view, 34> kNames = {
    "account_unknown",          "account_exists",        "account_reserved",
    "unit_unknown",             "unit_kind_invalid",     "rule_unknown",
    "award_already_paid",       "insufficient_balance",  "redemption_below_threshold",
    "redemption_over_annual_cap", "hold_unknown",        "hold_exists",
    "hold_voided",              "hold_expired",          "hold_posted",
    "hold_amount_exceeded",     "transfer_conflict",     "transfer_id_invalid",
    "same_account",             "use_code_invalid",      "tier_invalid",
    "title_invalid",            "counterparty_invalid",  "year_invalid",
    "year_already_closed",      "quarter_invalid",       "unit_required",
    "not_account_owner",        "broker_unit_mismatch",  "period_invalid",
    "timeout_invalid",          "rule_not_awardable",    "broker_links_invalid",
    "base_below_minimum",
};

static_assert(kFirstCode + kNames.size() - 1 == code_number(base_below_minimum));

}  // namespace

std::string_view code_name(ResultCode code) {
  const auto number = code_number(code);
  if (number < kFirstCode || number >= kFirstCode + kNames.size()) return "unknown";
  return kNames[number - kFirstCode];
}

}  // namespace jubian::ledger
