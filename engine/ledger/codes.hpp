#pragma once
// Result codes of the ledger subsystem, numbers 100-199. Numbers are stable once released.
// Zero, negative and overflowing amounts use the common ResultCode::amount_invalid (6).

#include <string_view>

#include "engine/common/result.hpp"

namespace jubian::ledger {

inline constexpr ResultCode account_unknown{100};         // no account with this id is registered
inline constexpr ResultCode account_exists{101};          // registration of an id that is already registered
inline constexpr ResultCode account_reserved{102};        // id 0 or a system account id
inline constexpr ResultCode unit_unknown{103};            // an individual or broker without a registered unit
inline constexpr ResultCode unit_kind_invalid{104};       // unit kind outside the UnitKind enum
inline constexpr ResultCode rule_unknown{105};            // rule id outside the rule table
inline constexpr ResultCode award_already_paid{106};      // second award of a once-per-account rule (register)
inline constexpr ResultCode insufficient_balance{107};    // available balance below the amount; never clamped
inline constexpr ResultCode redemption_below_threshold{108};  // available balance under 100,000 points
inline constexpr ResultCode redemption_over_annual_cap{109};  // over 2,000,000 yuan per unit per CST year
inline constexpr ResultCode hold_unknown{110};            // no hold with this id for the account
inline constexpr ResultCode hold_exists{111};             // hold id already used by the account
inline constexpr ResultCode hold_voided{112};             // the hold was voided
inline constexpr ResultCode hold_expired{113};            // the hold passed its timeout
inline constexpr ResultCode hold_posted{114};             // the hold was already posted
inline constexpr ResultCode hold_amount_exceeded{115};    // post amount above the held amount
inline constexpr ResultCode transfer_conflict{116};       // transfer id reused with a different body
inline constexpr ResultCode transfer_id_invalid{117};     // transfer id 0
inline constexpr ResultCode same_account{118};            // transfer from an account to itself
inline constexpr ResultCode use_code_invalid{119};        // use code outside the UseCode enum
inline constexpr ResultCode tier_invalid{120};            // tier outside the rule's tiers
inline constexpr ResultCode title_invalid{121};           // broker title level outside TitleLevel
inline constexpr ResultCode counterparty_invalid{122};    // two-party rule without a valid second account
inline constexpr ResultCode year_invalid{123};            // year close of a year that has not ended
inline constexpr ResultCode year_already_closed{124};     // year close of a year at or before the last closed one
inline constexpr ResultCode quarter_invalid{125};         // quarter outside 1-4 or not yet ended
inline constexpr ResultCode unit_required{126};           // redemption requested by an individual
inline constexpr ResultCode not_account_owner{127};       // trader acting on an account it does not own
inline constexpr ResultCode broker_unit_mismatch{128};    // broker already registered under another unit
inline constexpr ResultCode period_invalid{129};          // report period with from after to
inline constexpr ResultCode timeout_invalid{130};         // negative hold timeout
inline constexpr ResultCode rule_not_awardable{131};      // rule paid only by its own trigger (login, publish, ...)
inline constexpr ResultCode broker_links_invalid{132};    // broker's institution or base is not a registered unit
inline constexpr ResultCode base_below_minimum{133};      // base amount under the rule's minimum (startup revenue)

// The stable name of one of this subsystem's codes, or "unknown".
std::string_view code_name(ResultCode code);

}  // namespace jubian::ledger
