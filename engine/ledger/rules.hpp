#pragma once
// The award rule table: one RuleSpec per rule of the innovation-points policy, loaded
// from config/rules.toml (docs/rules.md describes every key for operators).

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "engine/common/types.hpp"

namespace jubian::ledger {

// 128-bit integer for overflow-free percentage and split arithmetic (a GCC and Clang extension).
__extension__ typedef __int128 Int128;

// Rule ids, in the order of the policy's rule table. Numbers are stable: they travel in
// the award command and in reports.
enum class RuleId : uint16_t {
  register_unit = 1, daily_login, daily_publish, branch_center, challenge_project, contract_rnd,
  scientist_team, release_event, startup_revenue, landing_signed, landing_built, park_attraction,
  incubation_team, incubation_sme, incubation_hitech, accelerator_growth, evaluation, trade,
  transfer_institution, broker_chain, transfer_college, broker_title, pilot_service,
  instrument_sharing, seed_investment, sme_investment, finance_ranking, ip_service,
};
inline constexpr size_t kRuleCount = 28;

// Formula of an award's points, chosen per rule.
enum class RuleKind : uint8_t {
  fixed = 1,         // `points` to the recipient
  percent = 2,       // floor(base_fen * rate_bps / 1,000,000) to the recipient
  two_sided = 3,     // recipient and counterparty each get their own fixed or percent part
  tiered = 4,        // tier_points[tier - 1] to the recipient
  broker_chain = 5,  // chain_bps shares to broker, service institution, training base, cultivation base
  per_unit = 6,      // `points` once as founding award (count = 0), else unit_points * count
};

// Over what a cap accumulates. "per year" is the CST calendar year of the award.
enum class CapScope : uint8_t {
  none = 0,
  once_per_account = 1,      // one award per account, ever; a second one is rejected
  per_business_day = 2,      // one award per account per CST business day
  per_event = 3,             // cap accumulates per (rule, reference, recipient)
  per_account_per_year = 4,  // cap accumulates per (rule, side, recipient, CST year)
};

// One side of an award: the recipient (side 0) or the counterparty (side 1).
struct RulePart {
  Points points = 0;      // fixed amount
  int64_t rate_bps = 0;   // percentage of the base amount, in basis points
  Points cap = 0;         // 0 = no cap
};

struct RuleSpec {
  RuleId id{};
  std::string name;       // "register", "daily_login", ... as in the policy table
  RuleKind kind = RuleKind::fixed;
  CapScope cap_scope = CapScope::none;
  std::array<RulePart, 2> parts{};          // [0] recipient, [1] counterparty (two_sided only)
  std::array<Points, 3> tier_points{};      // tiered: branch_center tiers 1-2, broker_title levels 1-3
  Points unit_points = 0;                   // per_unit: points per counted unit (student)
  int64_t min_base_fen = 0;                 // percent: base amounts below this are rejected
  std::array<int64_t, 4> chain_bps{};       // broker_chain shares
  std::string clause_zh;                    // the policy sentence the rule comes from
  std::string clause_en;
};

struct RuleTable {
  std::array<RuleSpec, kRuleCount> rules{};  // indexed by RuleId - 1

  const RuleSpec& at(RuleId id) const { return rules[static_cast<size_t>(id) - 1]; }
  static bool valid(RuleId id) { return static_cast<size_t>(id) >= 1 && static_cast<size_t>(id) <= kRuleCount; }
};

// The table of the policy's defaults, the same numbers as config/rules.toml.
RuleTable default_rules();

// Loads a rule table. Throws std::runtime_error naming the file and the key when the
// file cannot be parsed, a rule is missing, or a value is out of range.
RuleTable load_rules(const std::filesystem::path& toml_file);

// The snake_case name of a rule id ("register", "daily_login", ...), "unknown" outside the table.
std::string_view rule_name(RuleId id);

// floor(base_fen * rate_bps / (10000 * 100)) in 128-bit arithmetic; -1 when the result
// does not fit in Points.
Points percent_points(int64_t base_fen, int64_t rate_bps);

}  // namespace jubian::ledger
