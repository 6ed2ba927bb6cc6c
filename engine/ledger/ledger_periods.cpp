// Calendar work of the ledger: redemption requests and their quarterly settlement, the
// two-year expiry rule at year close, and the reports.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "engine/common/time.hpp"
#include "engine/ledger/ledger.hpp"

namespace jubian::ledger {

namespace {

constexpr int32_t kYearMin = 1970;
constexpr int32_t kYearMax = 9999;
constexpr uint8_t kQuartersPerYear = 4;

// The instant (UTC ns) at which the CST quarter after (year, quarter) begins.
TimeNs quarter_end(int32_t year, uint8_t quarter) {
  if (quarter == kQuartersPerYear) return cst::year_start(year + 1);
  const auto month = std::chrono::month{static_cast<unsigned>(quarter) * 3 + 1};
  const auto days = std::chrono::sys_days{std::chrono::year{year} / month / 1}.time_since_epoch().count();
  return static_cast<TimeNs>(days) * cst::kNsPerDay - cst::kOffsetNs;
}

Points earned_in(const Account& account, int32_t year) {
  const int32_t age = account.earned_year - year;
  if (age < 0 || age >= static_cast<int32_t>(account.earned.size())) return 0;
  return account.earned[static_cast<size_t>(age)];
}

// The CST calendar date of a business-day number, as YYYY-MM-DD.
std::string iso_date(int64_t day) {
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{day}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                     static_cast<unsigned>(date.day()));
}

const char* kind_name(AccountKind kind) { return kind == AccountKind::unit ? "unit" : "individual"; }

}  // namespace

// ---------------------------------------------------------------------------------------
// Redemption

std::optional<Reply> Ledger::apply(const RedeemRequest& command, const Context& ctx) {
  const Account* actor = find(ctx.actor);
  ResultCode code = ResultCode::ok;
  if (actor == nullptr) code = account_unknown;
  else if (command.points <= 0) code = ResultCode::amount_invalid;
  else if (actor->kind != AccountKind::unit) code = unit_required;
  if (code != ResultCode::ok) return reject_if_decider(code, ctx.actor, ctx);
  if (!owns(ctx.actor)) return std::nullopt;

  Account& unit = *lookup(ctx.actor);
  const Points available = unit.balance - unit.held;
  const int32_t year = year_of(ctx.stamp.time_ns);
  const Points redeemed = unit.redeem_year == year ? unit.redeemed_in_year : 0;
  if (available < kRedemptionThreshold) return reject_if_decider(redemption_below_threshold, ctx.actor, ctx);
  if (command.points > available) return reject_if_decider(insufficient_balance, ctx.actor, ctx);
  if (command.points > kRedemptionYearCap - redeemed) return reject_if_decider(redemption_over_annual_cap, ctx.actor, ctx);

  unit.redeem_year = year;
  unit.redeemed_in_year = redeemed + command.points;
  unit.held += command.points;
  redemptions_.push_back(Redemption{ctx.stamp.seq, ctx.stamp.time_ns, unit.id, command.points});
  return reply(ctx, command.points, unit.redeemed_in_year, 0, 0);
}

std::optional<Reply> Ledger::apply(const RedemptionSettle& command, const Context& ctx) {
  const bool valid = command.quarter >= 1 && command.quarter <= kQuartersPerYear && command.year >= kYearMin && command.year <= kYearMax;
  if (!valid || ctx.stamp.time_ns < quarter_end(command.year, command.quarter)) {
    if (shard_index_ != 0) return std::nullopt;
    return Reply{quarter_invalid, ctx.stamp.seq, ctx.stamp.time_ns, {}};
  }

  const TimeNs end = quarter_end(command.year, command.quarter);
  std::string csv;
  if (shard_index_ == 0) csv = "year,quarter,request_seq,unit,payee,payee_kind,points,yuan\n";
  Points paid = 0;
  Points rows = 0;
  int64_t requests = 0;
  std::vector<Redemption> later;
  for (const Redemption& request : redemptions_) {
    if (request.time_ns >= end) {
      later.push_back(request);
      continue;
    }
    csv += settle_redemption(request, command.year, command.quarter, rows, ctx);
    paid += request.points;
    ++requests;
  }
  redemptions_ = std::move(later);
  if (ctx.detail != nullptr) *ctx.detail += csv;
  return reply(ctx, requests, paid, rows, 0);
}

// Pays one request from the unit's balance and splits it by attribution: each individual
// gets floor(points * outstanding / basis), basis = max(unit balance, sum outstanding);
// the unit keeps the rest. Returns the request's CSV rows.
std::string Ledger::settle_redemption(const Redemption& request, int32_t year, uint8_t quarter, Points& rows, const Context& ctx) {
  Account& unit = *lookup(request.unit);
  Points outstanding = 0;
  for (const uint32_t member : unit.members) outstanding += accounts_[member].attributed_outstanding;
  const Points basis = std::max(unit.balance, outstanding);

  unit.held -= request.points;
  move(unit, SystemAccount::redemption, -request.points, movement_redemption, kNoAccount, ctx);

  std::string csv;
  Points to_individuals = 0;
  for (const uint32_t member : unit.members) {
    Account& individual = accounts_[member];
    const auto share = basis == 0 ? Points{0}
                                  : static_cast<Points>(static_cast<Int128>(request.points) * individual.attributed_outstanding / basis);
    if (share == 0) continue;
    individual.attributed_outstanding -= share;
    to_individuals += share;
    csv += fmt::format("{},{},{},{},{},individual,{},{}\n", year, quarter, request.seq, unit.id.value, individual.id.value, share, share);
    ++rows;
  }
  const Points own = request.points - to_individuals;
  csv += fmt::format("{},{},{},{},{},unit,{},{}\n", year, quarter, request.seq, unit.id.value, unit.id.value, own, own);
  ++rows;
  return csv;
}

// ---------------------------------------------------------------------------------------
// Year close

std::optional<Reply> Ledger::apply(const YearClose& command, const Context& ctx) {
  const int32_t now_year = year_of(ctx.stamp.time_ns);
  ResultCode code = ResultCode::ok;
  if (command.year <= last_closed_year_) code = year_already_closed;
  else if (now_year != command.year + 1) code = year_invalid;  // the close runs during the following year
  if (code != ResultCode::ok) {
    if (shard_index_ != 0) return std::nullopt;
    return Reply{code, ctx.stamp.seq, ctx.stamp.time_ns, {}};
  }

  last_closed_year_ = command.year;
  int64_t cleared = 0;
  Points cleared_points = 0;
  for (Account& account : accounts_) {
    // Only units that existed in both years are judged; an individual's points sit in its unit.
    if (account.kind != AccountKind::unit || !owns(account) || account.registered_year >= command.year) continue;
    if (earned_in(account, command.year) + earned_in(account, command.year - 1) >= kExpiryThreshold) continue;
    const Points available = account.balance - account.held;
    if (available <= 0) continue;
    move(account, SystemAccount::expiry, -available, movement_expiry, kNoAccount, ctx);
    for (const uint32_t member : account.members) accounts_[member].attributed_outstanding = 0;
    ++cleared;
    cleared_points += available;
  }
  return reply(ctx, cleared, cleared_points, 0, 0);
}

// ---------------------------------------------------------------------------------------
// Reports

std::optional<Reply> Ledger::apply(const AccountReport&, const Context& ctx) {
  const Account* account = find(ctx.actor);
  if (account == nullptr) return reject_if_decider(account_unknown, ctx.actor, ctx);
  if (!owns(ctx.actor)) return std::nullopt;

  const Account* holder = account->kind == AccountKind::unit ? account : lookup(account->unit);
  if (ctx.detail != nullptr) write_account_report(*account, *ctx.detail);
  return reply(ctx, holder->balance, holder->held, holder->balance - holder->held, 0);
}

void Ledger::write_account_report(const Account& account, std::string& out) const {
  const Account& holder = account.kind == AccountKind::unit ? account : *lookup(account.unit);
  out += fmt::format(R"({{"account":{},"kind":"{}","unit":{},"broker":{},"balance":{},"held":{},"available":{},)",
                     account.id.value, kind_name(account.kind), account.unit.value, account.broker, holder.balance, holder.held,
                     holder.balance - holder.held);
  out += fmt::format(R"("earned":{{"{}":{},"{}":{},"{}":{}}},"redeemed":{{"year":{},"points":{}}},)", holder.earned_year,
                     holder.earned[0], holder.earned_year - 1, holder.earned[1], holder.earned_year - 2, holder.earned[2],
                     holder.redeem_year, holder.redeemed_in_year);
  out += fmt::format(R"("attributed_total":{},"attributed_outstanding":{},"holds":[)", account.attributed_total,
                     account.attributed_outstanding);

  // NOTE: walks every hold of the shard; fine for operator queries, not for a hot path.
  static constexpr const char* kStates[] = {"", "active", "posted", "voided", "expired"};
  bool first = true;
  for (const auto& [key, hold] : holds_) {
    if (key.first != account.id.value) continue;
    out += fmt::format(R"({}{{"hold":{},"amount":{},"use":{},"expires_ns":{},"state":"{}"}})", first ? "" : ",", key.second,
                       hold.amount, static_cast<int>(hold.use), hold.expires_ns, kStates[static_cast<size_t>(hold.state)]);
    first = false;
  }

  out += R"(],"history":[)";
  for (size_t i = 0; i < holder.history.size(); ++i) {
    const Movement& m = holder.movement(i);
    out += fmt::format(R"({}{{"seq":{},"time_ns":{},"kind":{},"counterparty":{},"amount":{}}})", i == 0 ? "" : ",", m.seq,
                       m.time_ns, m.kind, m.counterparty.value, m.amount);
  }
  out += "]}";
}

std::optional<Reply> Ledger::apply(const RuleTotals& command, const Context& ctx) {
  if (command.from_ns > command.to_ns) {
    if (shard_index_ != 0) return std::nullopt;
    return Reply{period_invalid, ctx.stamp.seq, ctx.stamp.time_ns, {}};
  }
  const int64_t first_day = cst::day_number(command.from_ns);
  const int64_t last_day = command.to_ns == command.from_ns ? first_day - 1 : cst::day_number(command.to_ns - 1);
  Points total = 0;
  std::string line;
  write_rule_totals(first_day, last_day, line, total);
  if (ctx.detail != nullptr) *ctx.detail += line;
  return reply(ctx, total, 0, 0, 0);
}

void Ledger::write_rule_totals(int64_t first_day, int64_t last_day, std::string& out, Points& total) const {
  std::array<Points, kRuleCount> sums{};
  for (auto it = rule_totals_.lower_bound(first_day); it != rule_totals_.end() && it->first <= last_day; ++it)
    for (size_t i = 0; i < kRuleCount; ++i) sums[i] += it->second[i];

  out += fmt::format(R"({{"shard":{},"first_day":"{}","last_day":"{}","rules":{{)", shard_index_, iso_date(first_day), iso_date(last_day));
  for (size_t i = 0; i < kRuleCount; ++i) {
    out += fmt::format(R"({}"{}":{})", i == 0 ? "" : ",", rule_name(static_cast<RuleId>(i + 1)), sums[i]);
    total += sums[i];
  }
  out += "}}\n";
}

}  // namespace jubian::ledger
