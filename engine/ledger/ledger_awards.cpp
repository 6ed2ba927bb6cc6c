// Award rules: the award command, logins, publishing, trade settlement and broker titles.

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "engine/common/time.hpp"
#include "engine/ledger/ledger.hpp"

namespace jubian::ledger {

namespace {

// Rules paid only by their own trigger, never by the award command.
bool awardable(RuleId rule) {
  return rule != RuleId::daily_login && rule != RuleId::daily_publish && rule != RuleId::trade && rule != RuleId::broker_chain;
}

// Points of one side of a rule for a base amount; -1 when the percentage overflows.
Points part_points(const RulePart& part, PriceFen base_fen) {
  if (part.rate_bps == 0) return part.points;
  const Points percent = percent_points(base_fen, part.rate_bps);
  if (percent < 0 || percent > std::numeric_limits<Points>::max() - part.points) return -1;
  return part.points + percent;
}

}  // namespace

int32_t Ledger::year_of(TimeNs time_ns) const {
  const int64_t day = cst::day_number(time_ns);
  if (day != cached_day_) {
    cached_day_ = day;
    cached_year_ = cst::year(time_ns);
  }
  return cached_year_;
}

ResultCode Ledger::check_award(const Award& command, std::array<Points, 2>& points) const {
  if (!RuleTable::valid(command.rule)) return rule_unknown;
  if (!awardable(command.rule)) return rule_not_awardable;
  const RuleSpec& spec = rules_.at(command.rule);
  if (command.recipient.value == 0 || lookup(command.recipient) == nullptr) return account_unknown;
  if (spec.kind == RuleKind::two_sided &&
      (command.counterparty.value == 0 || lookup(command.counterparty) == nullptr || command.counterparty == command.recipient))
    return counterparty_invalid;

  const bool uses_base = spec.parts[0].rate_bps != 0 || spec.parts[1].rate_bps != 0;
  if (uses_base && command.base_fen <= 0) return ResultCode::amount_invalid;
  if (uses_base && command.base_fen < spec.min_base_fen) return base_below_minimum;

  switch (spec.kind) {
    case RuleKind::fixed:
    case RuleKind::percent:
    case RuleKind::two_sided:
      points[0] = part_points(spec.parts[0], command.base_fen);
      points[1] = spec.kind == RuleKind::two_sided ? part_points(spec.parts[1], command.base_fen) : 0;
      break;
    case RuleKind::tiered:
      if (command.tier < 1 || command.tier > spec.tier_points.size() || spec.tier_points[command.tier - 1] == 0) return tier_invalid;
      points[0] = spec.tier_points[command.tier - 1];
      break;
    case RuleKind::per_unit: {
      const Int128 per_students = static_cast<Int128>(spec.unit_points) * command.count;
      if (per_students > std::numeric_limits<Points>::max()) return ResultCode::amount_invalid;
      points[0] = command.count == 0 ? spec.parts[0].points : static_cast<Points>(per_students);
      break;
    }
    case RuleKind::broker_chain:
      return rule_not_awardable;
  }
  if (points[0] < 0 || points[1] < 0) return ResultCode::amount_invalid;
  return ResultCode::ok;
}

void Ledger::prefetch(const Award& command) const {
  if (!RuleTable::valid(command.rule) || !owns(command.recipient)) return;
  const RuleSpec& spec = rules_.at(command.rule);
  const auto rule = static_cast<uint16_t>(spec.id);
  switch (spec.cap_scope) {
    case CapScope::per_event:
      caps_.prefetch(CapKey{command.recipient.value, command.reference, rule, 0});
      break;
    case CapScope::once_per_account:
    case CapScope::per_business_day:
      caps_.prefetch(CapKey{command.recipient.value, 0, rule, 0});
      break;
    case CapScope::none:
    case CapScope::per_account_per_year:
      break;
  }
}

std::optional<Reply> Ledger::apply(const Award& command, const Context& ctx) {
  std::array<Points, 2> points{};
  const ResultCode code = check_award(command, points);
  if (code != ResultCode::ok) return reject_if_decider(code, command.recipient, ctx);

  // The founding award of a per_unit rule is once per account; per-student awards have no cap.
  const RuleSpec& spec = rules_.at(command.rule);
  const bool two_sided = spec.kind == RuleKind::two_sided;
  const CapScope scope = spec.kind == RuleKind::per_unit && command.count > 0 ? CapScope::none : spec.cap_scope;
  Reply result = reply(ctx);
  bool reported = false;

  Account& recipient = *lookup(command.recipient);
  if (owns(recipient)) {
    if (scope == CapScope::once_per_account && caps_.contains(CapKey{recipient.id.value, 0, static_cast<uint16_t>(spec.id), 0}))
      return reject_if_decider(award_already_paid, command.recipient, ctx);
    const Capped paid = pay_award(spec, scope, 0, recipient, command.reference, points[0], command.counterparty, ctx);
    result.values[0] = paid.credited;
    result.values[1] = paid.trimmed;
    reported = true;
  }
  Account* counterparty = two_sided ? lookup(command.counterparty) : nullptr;
  if (counterparty != nullptr && owns(*counterparty)) {
    const Capped paid = pay_award(spec, scope, 1, *counterparty, command.reference, points[1], command.recipient, ctx);
    result.values[2] = paid.credited;
    result.values[3] = paid.trimmed;
    reported = true;
  }
  if (!reported) return std::nullopt;
  return result;
}

Ledger::Capped Ledger::cap_award(const RuleSpec& spec, CapScope scope, uint8_t side, const Account& recipient, uint64_t reference,
                                 Points points, const Context& ctx) {
  const auto rule = static_cast<uint16_t>(spec.id);
  switch (scope) {
    case CapScope::none:
      return {points, 0};
    case CapScope::once_per_account:
      caps_[CapKey{recipient.id.value, 0, rule, side}] = points;
      return {points, 0};
    case CapScope::per_business_day: {
      // The counter stores the CST day of the last award instead of a sum.
      const int64_t day = cst::day_number(ctx.stamp.time_ns);
      const auto [slot, inserted] = caps_.try_emplace(CapKey{recipient.id.value, 0, rule, side}, day);
      if (!inserted && slot->second == day) return {0, points};
      slot.value() = day;
      return {points, 0};
    }
    case CapScope::per_event:
    case CapScope::per_account_per_year:
      break;
  }

  const Points cap = spec.parts[side].cap;
  if (cap == 0) return {points, 0};
  const uint64_t scope_key = scope == CapScope::per_event ? reference : static_cast<uint64_t>(year_of(ctx.stamp.time_ns));
  Points& used = caps_[CapKey{recipient.id.value, scope_key, rule, side}];
  const Points credited = std::min(points, cap - used);
  used += credited;
  if (credited < 0 || used > cap) {
    std::fprintf(stderr, "ledger invariant broken: cap passed rule=%u account=%llu used=%lld cap=%lld\n", rule,
                 static_cast<unsigned long long>(recipient.id.value), static_cast<long long>(used), static_cast<long long>(cap));
    std::abort();
  }
  return {credited, points - credited};
}

Ledger::Capped Ledger::pay_award(const RuleSpec& spec, CapScope scope, uint8_t side, Account& recipient, uint64_t reference,
                                 Points points, AccountId counterparty, const Context& ctx) {
  const Capped paid = cap_award(spec, scope, side, recipient, reference, points, ctx);
  if (paid.credited == 0) return paid;
  credit(recipient, spec.id, paid.credited, counterparty, ctx);
  if (ctx.events == nullptr) return paid;

  Event event;
  event.type = EventType::award;
  event.reason = static_cast<uint16_t>(spec.id);
  event.account = recipient.id;
  event.counterparty = counterparty;
  event.subject = reference;
  event.quantity = paid.credited;
  event.aux = paid.trimmed;
  event.seq = ctx.stamp.seq;
  event.time_ns = ctx.stamp.time_ns;
  ctx.emit(event);
  return paid;
}

// Credits an award from the issuance stripe to the recipient's balance account, counting
// it as earned reward points and, for an individual, as attributed to it.
void Ledger::credit(Account& recipient, RuleId rule, Points points, AccountId counterparty, const Context& ctx) {
  Account& holder = holder_of(recipient);
  const int32_t year = year_of(ctx.stamp.time_ns);
  roll_year(holder, year);
  const int32_t age = holder.earned_year - year;
  if (age >= 0 && age < static_cast<int32_t>(holder.earned.size())) holder.earned[static_cast<size_t>(age)] += points;

  if (&holder != &recipient) {
    recipient.attributed_total += points;
    recipient.attributed_outstanding += points;
  }
  const AccountId party = &holder != &recipient ? recipient.id : counterparty;
  move(holder, SystemAccount::issuance, points, static_cast<uint16_t>(rule), party, ctx);

  const int64_t day = cst::day_number(ctx.stamp.time_ns);
  if (day != today_ || today_totals_ == nullptr) {
    today_totals_ = &rule_totals_[day];
    today_ = day;
  }
  (*today_totals_)[static_cast<size_t>(rule) - 1] += points;
}

std::optional<Reply> Ledger::apply(const Login&, const Context& ctx) {
  if (find(ctx.actor) == nullptr) return reject_if_decider(account_unknown, ctx.actor, ctx);
  if (!owns(ctx.actor)) return std::nullopt;

  const RuleSpec& spec = rules_.at(RuleId::daily_login);
  const Capped paid = pay_award(spec, spec.cap_scope, 0, *lookup(ctx.actor), 0, spec.parts[0].points, kNoAccount, ctx);
  return reply(ctx, paid.credited, paid.trimmed, 0, 0);
}

Points Ledger::award_publish(AccountId owner, const Context& ctx) {
  Account* account = owner.value == 0 ? nullptr : lookup(owner);
  if (account == nullptr || !owns(*account)) return 0;
  const RuleSpec& spec = rules_.at(RuleId::daily_publish);
  return pay_award(spec, spec.cap_scope, 0, *account, 0, spec.parts[0].points, kNoAccount, ctx).credited;
}

Points Ledger::pay_broker_title(const Account& broker, const Context& ctx) {
  const RuleSpec& spec = rules_.at(RuleId::broker_title);
  const auto level = static_cast<size_t>(broker.title);
  if (level < 1 || level > spec.tier_points.size()) return 0;
  Account& employer = *lookup(broker.unit);
  return pay_award(spec, spec.cap_scope, 0, employer, broker.id.value, spec.tier_points[level - 1], broker.id, ctx).credited;
}

bool Ledger::settle(const Trade& trade, const Context& ctx) {
  if (trade.id.value <= last_trade_) return false;
  last_trade_ = trade.id.value;
  if (trade.amount <= 0) return true;

  pay_trade_side(trade.buyer, 0, trade.amount, trade.id.value, trade.seller, ctx);
  pay_trade_side(trade.seller, 1, trade.amount, trade.id.value, trade.buyer, ctx);
  if (trade.buyer_broker.value != 0) pay_broker_chain(trade.buyer_broker, trade.amount, trade.id.value, ctx);
  if (trade.seller_broker.value != 0 && trade.seller_broker != trade.buyer_broker)
    pay_broker_chain(trade.seller_broker, trade.amount, trade.id.value, ctx);
  return true;
}

void Ledger::pay_trade_side(AccountId party, uint8_t side, PriceFen amount, uint64_t reference, AccountId counterparty,
                            const Context& ctx) {
  Account* account = party.value == 0 ? nullptr : lookup(party);
  if (account == nullptr || !owns(*account)) return;
  const RuleSpec& spec = rules_.at(RuleId::trade);
  const Points points = part_points(spec.parts[side], amount);
  if (points > 0) pay_award(spec, spec.cap_scope, side, *account, reference, points, counterparty, ctx);
}

// Pays the broker, its service institution, training base and cultivation base, each its
// share of the amount. Links that are unset or not registered are skipped.
void Ledger::pay_broker_chain(AccountId broker_id, PriceFen amount, uint64_t reference, const Context& ctx) {
  const Account* broker = find(broker_id);
  if (broker == nullptr || !broker->broker) return;
  const RuleSpec& spec = rules_.at(RuleId::broker_chain);
  const std::array<AccountId, 4> targets = {broker->id, broker->service_institution, broker->training_base, broker->cultivation_base};

  for (size_t i = 0; i < targets.size(); ++i) {
    Account* target = targets[i].value == 0 ? nullptr : lookup(targets[i]);
    if (target == nullptr || !owns(*target)) continue;
    const Points points = percent_points(amount, spec.chain_bps[i]);
    if (points > 0) pay_award(spec, CapScope::none, 0, *target, reference, points, broker->id, ctx);
  }
}

}  // namespace jubian::ledger
