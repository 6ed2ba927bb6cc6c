#pragma once
// Commands of the ledger subsystem. Type numbers 0x0100-0x01FF; see engine/core/command.hpp
// for what a command struct must declare. The envelope's actor (Context::actor) is the
// account acting; trader commands do not repeat it in the body.
//
// Reply values, per command (unused values are 0). "credited" and "trimmed" are points:
// trimmed is what a cap cut from the award.
//   register_unit        [0] register award credited [1] trimmed
//   register_individual  none
//   register_broker      [0] broker_title award credited to the employer [1] trimmed
//   login                [0] daily_login credited [1] trimmed (50 on the second login of a day)
//   award                [0] recipient credited [1] recipient trimmed
//                        [2] counterparty credited [3] counterparty trimmed (two-sided rules)
//   spend                [0] amount [1] balance after [2] available after
//   transfer             [0] amount [1] debit account balance after
//   hold_create          [0] amount [1] expiry time in ns, 0 = none [2] available after
//   hold_post            [0] posted [1] released
//   hold_void            [0] released
//   redeem_request       [0] points [1] redeemed this CST year including this request
//   redemption_settle    [0] requests paid [1] points paid [2] payout rows  (per shard; sum them)
//   year_close           [0] accounts cleared [1] points cleared             (per shard; sum them)
//   account_report       [0] balance [1] held [2] available; JSON in detail
//   rule_totals          [0] points awarded in the period; JSON line in detail (per shard)

#include <cstdint>
#include <string_view>
#include <tuple>

#include "engine/common/context.hpp"
#include "engine/common/types.hpp"
#include "engine/ledger/rules.hpp"

namespace jubian::ledger {

enum class UnitKind : uint8_t {
  enterprise = 1, university, institute, park, incubator, accelerator, investor, service_institution,
  broker_org, financial_institution, evaluation_institution, transfer_institution, training_base,
  branch_center, other,
};
inline constexpr uint8_t kUnitKindMax = static_cast<uint8_t>(UnitKind::other);

enum class TitleLevel : uint8_t { none = 0, junior = 1, middle = 2, senior = 3 };

// Purpose of spent or held points.
enum class UseCode : uint8_t { service = 1, commission = 2, annual_fee = 3 };
inline constexpr uint8_t kUseCodeMax = static_cast<uint8_t>(UseCode::annual_fee);

// Registers a unit user (a legal entity) and pays it the `register` award.
struct RegisterUnit {
  static constexpr uint16_t kType = 0x0100;
  static constexpr std::string_view kName = "register_unit";
  static constexpr Access kAccess = Access::admin;
  static constexpr bool kJournaled = true;

  AccountId account;
  UnitKind kind = UnitKind::enterprise;

  template <class V>
  void visit(V& v) { v("account", account); v("kind", kind); }
};

// Registers an individual user under one unit; its earnings credit the unit's balance.
struct RegisterIndividual {
  static constexpr uint16_t kType = 0x0101;
  static constexpr std::string_view kName = "register_individual";
  static constexpr Access kAccess = Access::admin;
  static constexpr bool kJournaled = true;

  AccountId account;
  AccountId unit;

  template <class V>
  void visit(V& v) { v("account", account); v("unit", unit); }
};

// Registers a broker (an individual of its employer unit) or updates its links and
// title. The first title pays `broker_title` to the employer.
struct RegisterBroker {
  static constexpr uint16_t kType = 0x0102;
  static constexpr std::string_view kName = "register_broker";
  static constexpr Access kAccess = Access::admin;
  static constexpr bool kJournaled = true;

  AccountId account;
  AccountId unit;                  // employer
  AccountId service_institution;   // 0 = none; else a registered unit
  AccountId training_base;
  AccountId cultivation_base;
  TitleLevel title = TitleLevel::none;

  template <class V>
  void visit(V& v) {
    v("account", account); v("unit", unit); v("service_institution", service_institution);
    v("training_base", training_base); v("cultivation_base", cultivation_base); v("title", title);
  }
};

// A login of the actor: pays `daily_login` once per CST business day.
struct Login {
  static constexpr uint16_t kType = 0x0103;
  static constexpr std::string_view kName = "login";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  template <class V>
  void visit(V&) {}
};

// An operator-confirmed award of one rule. Which fields count depends on the rule's kind:
// base_fen for percentages, tier for tiered rules (branch_center 1 = top 20%, 2 = next 30%;
// broker_title the title level), count for per-student awards, counterparty for two-sided
// rules. reference names the event, project or contract that per_event caps count against.
struct Award {
  static constexpr uint16_t kType = 0x0104;
  static constexpr std::string_view kName = "award";
  static constexpr Access kAccess = Access::admin;
  static constexpr bool kJournaled = true;

  RuleId rule{};
  AccountId recipient;
  AccountId counterparty;
  PriceFen base_fen = 0;
  uint64_t reference = 0;
  uint8_t tier = 0;
  uint32_t count = 0;

  template <class V>
  void visit(V& v) {
    v("rule", rule); v("recipient", recipient); v("counterparty", counterparty); v("base_fen", base_fen);
    v("reference", reference); v("tier", tier); v("count", count);
  }
};

// Pays a platform service, commission or annual fee from the actor's available balance.
struct Spend {
  static constexpr uint16_t kType = 0x0105;
  static constexpr std::string_view kName = "spend";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  Points amount = 0;
  UseCode use = UseCode::service;
  uint64_t reference = 0;

  template <class V>
  void visit(V& v) { v("amount", amount); v("use", use); v("reference", reference); }
};

// Moves points between two user accounts. `from` must be the actor or the actor's unit.
// A transfer id is unique for ever: the same id with the same body returns the original
// result (duplicate_request), with another body transfer_conflict.
struct Transfer {
  static constexpr uint16_t kType = 0x0106;
  static constexpr std::string_view kName = "transfer";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  TransferId id;
  AccountId from;
  AccountId to;
  Points amount = 0;
  uint16_t code = 0;       // client's classification, stored and echoed
  uint64_t reference = 0;

  template <class V>
  void visit(V& v) { v("id", id); v("from", from); v("to", to); v("amount", amount); v("code", code); v("reference", reference); }
};

// Reserves points of the actor for a later post to revenue. timeout_ns 0 = no timeout.
struct HoldCreate {
  static constexpr uint16_t kType = 0x0107;
  static constexpr std::string_view kName = "hold_create";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  HoldId hold;
  Points amount = 0;
  UseCode use = UseCode::service;
  int64_t timeout_ns = 0;

  template <class V>
  void visit(V& v) { v("hold", hold); v("amount", amount); v("use", use); v("timeout_ns", timeout_ns); }
};

// Posts all or part of a hold to revenue; the rest is released.
struct HoldPost {
  static constexpr uint16_t kType = 0x0108;
  static constexpr std::string_view kName = "hold_post";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  HoldId hold;
  Points amount = 0;

  template <class V>
  void visit(V& v) { v("hold", hold); v("amount", amount); }
};

struct HoldVoid {
  static constexpr uint16_t kType = 0x0109;
  static constexpr std::string_view kName = "hold_void";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  HoldId hold;

  template <class V>
  void visit(V& v) { v("hold", hold); }
};

// Requests cash for points (1 point = 1 yuan): a hold into redemption, paid by the
// quarter's redemption_settle. Only units redeem.
struct RedeemRequest {
  static constexpr uint16_t kType = 0x010A;
  static constexpr std::string_view kName = "redeem_request";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  Points points = 0;

  template <class V>
  void visit(V& v) { v("points", points); }
};

// Pays every pending redemption request stamped in or before the quarter, once the
// quarter has ended, and writes the payout CSV into detail.
struct RedemptionSettle {
  static constexpr uint16_t kType = 0x010B;
  static constexpr std::string_view kName = "redemption_settle";
  static constexpr Access kAccess = Access::admin;
  static constexpr bool kJournaled = true;

  int32_t year = 0;
  uint8_t quarter = 0;

  template <class V>
  void visit(V& v) { v("year", year); v("quarter", quarter); }
};

// Closes a CST calendar year that has ended: applies the two-year expiry rule.
struct YearClose {
  static constexpr uint16_t kType = 0x010C;
  static constexpr std::string_view kName = "year_close";
  static constexpr Access kAccess = Access::admin;
  static constexpr bool kJournaled = true;

  int32_t year = 0;

  template <class V>
  void visit(V& v) { v("year", year); }
};

// Reports the actor's balance, holds, yearly earnings and recent history as JSON.
struct AccountReport {
  static constexpr uint16_t kType = 0x010D;
  static constexpr std::string_view kName = "account_report";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = false;

  template <class V>
  void visit(V&) {}
};

// Reports points awarded per rule over the CST business days that overlap [from_ns, to_ns).
struct RuleTotals {
  static constexpr uint16_t kType = 0x010E;
  static constexpr std::string_view kName = "rule_totals";
  static constexpr Access kAccess = Access::admin;
  static constexpr bool kJournaled = false;

  TimeNs from_ns = 0;
  TimeNs to_ns = 0;

  template <class V>
  void visit(V& v) { v("from_ns", from_ns); v("to_ns", to_ns); }
};

using Commands = std::tuple<RegisterUnit, RegisterIndividual, RegisterBroker, Login, Award, Spend, Transfer, HoldCreate,
                            HoldPost, HoldVoid, RedeemRequest, RedemptionSettle, YearClose, AccountReport, RuleTotals>;

}  // namespace jubian::ledger
