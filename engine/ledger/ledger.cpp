// Directory, registration, spending, transfers and holds of the ledger.

#include "engine/ledger/ledger.hpp"

#include <cstdio>
#include <cstdlib>
#include <limits>

#include "engine/common/time.hpp"

namespace jubian::ledger {

namespace {

[[noreturn]] void invariant_broken(const char* what, uint64_t account, int64_t value) {
  std::fprintf(stderr, "ledger invariant broken: %s account=%llu value=%lld\n", what,
               static_cast<unsigned long long>(account), static_cast<long long>(value));
  std::abort();
}

bool use_valid(UseCode use) {
  const auto raw = static_cast<uint8_t>(use);
  return raw >= 1 && raw <= kUseCodeMax;
}

}  // namespace

Ledger::Ledger(const RuleTable& rules, uint32_t shard_index, uint32_t shard_count)
    : rules_(rules), shard_index_(shard_index), shard_count_(shard_count) {
  if (shard_count == 0 || shard_index >= shard_count) invariant_broken("shard index outside shard count", shard_index, shard_count);
}

// ---------------------------------------------------------------------------------------
// Directory

Account* Ledger::lookup(AccountId id) {
  const uint32_t index = index_.find(id.value);
  return index == FlatIndex::kMissing ? nullptr : &accounts_[index];
}

const Account* Ledger::lookup(AccountId id) const {
  const uint32_t index = index_.find(id.value);
  return index == FlatIndex::kMissing ? nullptr : &accounts_[index];
}

const Account* Ledger::find(AccountId id) const { return id.value == 0 ? nullptr : lookup(id); }

Account& Ledger::holder_of(Account& account) {
  if (account.kind == AccountKind::unit) return account;
  Account* unit = lookup(account.unit);
  if (unit == nullptr) invariant_broken("individual without a unit", account.id.value, account.unit.value);
  return *unit;
}

Account& Ledger::add_account(const Account& account) {
  index_.insert(account.id.value, static_cast<uint32_t>(accounts_.size()));
  accounts_.push_back(account);
  return accounts_.back();
}

bool Ledger::account_exists(AccountId id) const { return find(id) != nullptr; }

bool Ledger::is_broker(AccountId id) const {
  const Account* account = find(id);
  return account != nullptr && account->broker;
}

bool Ledger::is_unit(AccountId id) const {
  const Account* account = find(id);
  return account != nullptr && account->kind == AccountKind::unit;
}

uint32_t Ledger::owner_shard(AccountId id) const {
  const Account* account = find(id);
  const uint64_t home = account != nullptr ? account->unit.value : id.value;
  return static_cast<uint32_t>(home % shard_count_);
}

Points Ledger::balance(AccountId id) const {
  const Account* account = find(id);
  if (account == nullptr) return 0;
  const Account* holder = account->kind == AccountKind::unit ? account : lookup(account->unit);
  return holder->balance;
}

void Ledger::for_each_account(const std::function<void(const Account&)>& f) const {
  for (const Account& account : accounts_) f(account);
}

Reply Ledger::reply(const Context& ctx, int64_t value0, int64_t value1, int64_t value2, int64_t value3) const {
  Reply result{ResultCode::ok, ctx.stamp.seq, ctx.stamp.time_ns, {}};
  result.values[0] = value0;
  result.values[1] = value1;
  result.values[2] = value2;
  result.values[3] = value3;
  return result;
}

std::optional<Reply> Ledger::reject_if_decider(ResultCode code, AccountId account, const Context& ctx) const {
  if (!owns(account)) return std::nullopt;
  return Reply{code, ctx.stamp.seq, ctx.stamp.time_ns, {}};
}

// ---------------------------------------------------------------------------------------
// Registration

std::optional<Reply> Ledger::apply(const RegisterUnit& command, const Context& ctx) {
  const auto kind = static_cast<uint8_t>(command.kind);
  ResultCode code = ResultCode::ok;
  if (command.account.value <= kSystemAccountMax) code = account_reserved;
  else if (kind < 1 || kind > kUnitKindMax) code = unit_kind_invalid;
  else if (find(command.account) != nullptr) code = ledger::account_exists;
  if (code != ResultCode::ok) return reject_if_decider(code, command.account, ctx);

  Account account;
  account.id = command.account;
  account.kind = AccountKind::unit;
  account.unit_kind = command.kind;
  account.unit = command.account;
  account.registered_year = year_of(ctx.stamp.time_ns);
  Account& added = add_account(account);
  if (!owns(command.account)) return std::nullopt;

  const RuleSpec& spec = rules_.at(RuleId::register_unit);
  const Capped paid = pay_award(spec, spec.cap_scope, 0, added, 0, spec.parts[0].points, kNoAccount, ctx);
  return reply(ctx, paid.credited, paid.trimmed, 0, 0);
}

std::optional<Reply> Ledger::apply(const RegisterIndividual& command, const Context& ctx) {
  ResultCode code = ResultCode::ok;
  if (command.account.value <= kSystemAccountMax) code = account_reserved;
  else if (!is_unit(command.unit)) code = unit_unknown;
  else if (find(command.account) != nullptr) code = ledger::account_exists;
  if (code != ResultCode::ok) return reject_if_decider(code, command.unit, ctx);

  Account account;
  account.id = command.account;
  account.kind = AccountKind::individual;
  account.unit = command.unit;
  account.registered_year = year_of(ctx.stamp.time_ns);
  const auto index = static_cast<uint32_t>(accounts_.size());
  add_account(account);
  if (!owns(command.unit)) return std::nullopt;

  lookup(command.unit)->members.push_back(index);
  return reply(ctx);
}

std::optional<Reply> Ledger::apply(const RegisterBroker& command, const Context& ctx) {
  const Account* existing = find(command.account);
  const auto linked = [&](AccountId id) { return id.value == 0 || is_unit(id); };
  ResultCode code = ResultCode::ok;
  if (command.account.value <= kSystemAccountMax) code = account_reserved;
  else if (!is_unit(command.unit)) code = unit_unknown;
  else if (static_cast<uint8_t>(command.title) > static_cast<uint8_t>(TitleLevel::senior)) code = title_invalid;
  else if (!linked(command.service_institution) || !linked(command.training_base) || !linked(command.cultivation_base))
    code = broker_links_invalid;
  else if (existing != nullptr && (existing->kind != AccountKind::individual || existing->unit != command.unit))
    code = broker_unit_mismatch;
  if (code != ResultCode::ok) return reject_if_decider(code, command.unit, ctx);

  if (existing == nullptr) {
    const auto index = static_cast<uint32_t>(accounts_.size());
    Account account;
    account.id = command.account;
    account.kind = AccountKind::individual;
    account.unit = command.unit;
    account.registered_year = year_of(ctx.stamp.time_ns);
    add_account(account);
    if (owns(command.unit)) lookup(command.unit)->members.push_back(index);
  }

  // TitleLevel::none keeps the current title; only the first title pays the employer.
  Account& broker = *lookup(command.account);
  const bool first_title = broker.title == TitleLevel::none && command.title != TitleLevel::none;
  broker.broker = true;
  broker.service_institution = command.service_institution;
  broker.training_base = command.training_base;
  broker.cultivation_base = command.cultivation_base;
  if (command.title != TitleLevel::none) broker.title = command.title;
  if (!owns(command.unit)) return std::nullopt;

  const Points points = first_title ? pay_broker_title(broker, ctx) : 0;
  return reply(ctx, points, 0, 0, 0);
}

// ---------------------------------------------------------------------------------------
// Movements

void Ledger::record(Account& holder, Points amount, uint16_t kind, AccountId counterparty, const Context& ctx) {
  const Movement movement{ctx.stamp.seq, ctx.stamp.time_ns, counterparty, amount, kind};
  if (holder.history.size() < kHistoryLength) {
    // Two steps (8, then the bound) instead of doubling, so an active account reallocates twice.
    if (holder.history.size() == holder.history.capacity()) holder.history.reserve(holder.history.empty() ? kHistoryFirstCapacity : kHistoryLength);
    holder.history.push_back(movement);
    return;
  }
  holder.history[holder.history_next] = movement;
  holder.history_next = static_cast<uint8_t>((holder.history_next + 1) % kHistoryLength);
}

// Moves `amount` from a system stripe to the holder (negative: from the holder).
void Ledger::move(Account& holder, SystemAccount system, Points amount, uint16_t kind, AccountId counterparty, const Context& ctx) {
  holder.balance += amount;
  system_[static_cast<size_t>(system)] -= amount;
  if (holder.balance < 0 || holder.held > holder.balance) invariant_broken("user balance below zero or below held", holder.id.value, holder.balance);
  record(holder, amount, kind, counterparty, ctx);
}

void Ledger::roll_year(Account& account, int32_t year) {
  if (year <= account.earned_year) return;
  const int32_t shift = year - account.earned_year;
  for (int32_t i = static_cast<int32_t>(account.earned.size()) - 1; i >= 0; --i)
    account.earned[static_cast<size_t>(i)] = i - shift >= 0 ? account.earned[static_cast<size_t>(i - shift)] : 0;
  account.earned_year = year;
}

// ---------------------------------------------------------------------------------------
// Spending and transfers

std::optional<Reply> Ledger::apply(const Spend& command, const Context& ctx) {
  Account* actor = ctx.actor.value == 0 ? nullptr : lookup(ctx.actor);
  ResultCode code = ResultCode::ok;
  if (actor == nullptr) code = account_unknown;
  else if (command.amount <= 0) code = ResultCode::amount_invalid;
  else if (!use_valid(command.use)) code = use_code_invalid;
  if (code != ResultCode::ok) return reject_if_decider(code, ctx.actor, ctx);
  if (!owns(*actor)) return std::nullopt;

  Account& holder = holder_of(*actor);
  if (holder.balance - holder.held < command.amount) return reject_if_decider(insufficient_balance, ctx.actor, ctx);
  move(holder, SystemAccount::revenue, -command.amount, movement_spend, ctx.actor, ctx);
  return reply(ctx, command.amount, holder.balance, holder.balance - holder.held, 0);
}

std::optional<Reply> Ledger::apply(const Transfer& command, const Context& ctx) {
  const Account* from = find(command.from);
  const Account* to = find(command.to);
  const Account* actor = find(ctx.actor);
  ResultCode code = ResultCode::ok;
  if (command.id.value == 0) code = transfer_id_invalid;
  else if (from == nullptr || to == nullptr || actor == nullptr) code = account_unknown;
  else if (from->unit == to->unit) code = same_account;
  else if (actor->unit != from->unit) code = not_account_owner;
  else if (command.amount <= 0) code = ResultCode::amount_invalid;
  if (code != ResultCode::ok) return reject_if_decider(code, command.from, ctx);

  const auto known = transfers_.find(command.id.value);
  if (known != transfers_.end()) {
    const Transfer& first = known->second.body;
    const bool same = first.from == command.from && first.to == command.to && first.amount == command.amount &&
                      first.code == command.code && first.reference == command.reference;
    if (!same) return reject_if_decider(transfer_conflict, command.from, ctx);
    if (!owns(command.from)) return std::nullopt;
    Reply original = known->second.reply;
    original.code = ResultCode::duplicate_request;
    return original;
  }
  return decide_transfer(command, ctx);
}

// The debit shard checks the balance and publishes; the others wait for its decision.
std::optional<Reply> Ledger::decide_transfer(const Transfer& command, const Context& ctx) {
  const bool debit_here = owns(command.from);
  if (shard_count_ > 1 && ctx.cross == nullptr) invariant_broken("transfer on several shards without a cross-shard slot", command.id.value, 0);

  ResultCode decided = ResultCode::ok;
  Reply result = reply(ctx);
  if (debit_here) {
    Account& from = holder_of(*lookup(command.from));
    if (from.balance - from.held < command.amount) {
      decided = insufficient_balance;
    } else {
      move(from, SystemAccount::transit, -command.amount, movement_transfer, command.to, ctx);
      result.values = {command.amount, from.balance, 0, 0};
    }
    if (ctx.cross != nullptr) ctx.cross->publish(decided, command.amount);
  } else {
    ctx.cross->await();
    decided = ctx.cross->code;
  }
  if (decided != ResultCode::ok) return reject_if_decider(decided, command.from, ctx);

  if (owns(command.to)) {
    move(holder_of(*lookup(command.to)), SystemAccount::transit, command.amount, movement_transfer, command.from, ctx);
  }
  transfers_.emplace(command.id.value, TransferRecord{command, debit_here ? result : Reply{}});
  if (!debit_here) return std::nullopt;
  return result;
}

// ---------------------------------------------------------------------------------------
// Holds

std::optional<Reply> Ledger::apply(const HoldCreate& command, const Context& ctx) {
  ResultCode code = ResultCode::ok;
  if (find(ctx.actor) == nullptr) code = account_unknown;
  else if (command.amount <= 0) code = ResultCode::amount_invalid;
  else if (!use_valid(command.use)) code = use_code_invalid;
  else if (command.timeout_ns < 0 || command.timeout_ns > std::numeric_limits<TimeNs>::max() - ctx.stamp.time_ns) code = timeout_invalid;
  if (code != ResultCode::ok) return reject_if_decider(code, ctx.actor, ctx);
  if (!owns(ctx.actor)) return std::nullopt;

  const HoldKey key{ctx.actor.value, command.hold.value};
  Account& holder = holder_of(*lookup(ctx.actor));
  if (holds_.contains(key)) return reject_if_decider(hold_exists, ctx.actor, ctx);
  if (holder.balance - holder.held < command.amount) return reject_if_decider(insufficient_balance, ctx.actor, ctx);

  const TimeNs expires = command.timeout_ns == 0 ? 0 : ctx.stamp.time_ns + command.timeout_ns;
  holds_.emplace(key, Hold{holder.id, command.amount, command.use, expires, HoldState::active});
  if (expires != 0) timeouts_.push(Timeout{expires, key.first, key.second});
  holder.held += command.amount;
  return reply(ctx, command.amount, expires, holder.balance - holder.held, 0);
}

ResultCode Ledger::check_hold(const Hold* hold, const Context& ctx) const {
  if (hold == nullptr) return hold_unknown;
  switch (hold->state) {
    case HoldState::posted: return hold_posted;
    case HoldState::voided: return hold_voided;
    case HoldState::expired: return hold_expired;
    case HoldState::active: break;
  }
  // A hold past its timeout is expired even before the next tick releases it.
  if (hold->expires_ns != 0 && ctx.stamp.time_ns >= hold->expires_ns) return hold_expired;
  return ResultCode::ok;
}

std::optional<Reply> Ledger::apply(const HoldPost& command, const Context& ctx) {
  if (find(ctx.actor) == nullptr) return reject_if_decider(account_unknown, ctx.actor, ctx);
  if (command.amount <= 0) return reject_if_decider(ResultCode::amount_invalid, ctx.actor, ctx);
  if (!owns(ctx.actor)) return std::nullopt;

  const auto found = holds_.find(HoldKey{ctx.actor.value, command.hold.value});
  Hold* hold = found == holds_.end() ? nullptr : &found->second;
  const ResultCode code = check_hold(hold, ctx);
  if (code != ResultCode::ok) return reject_if_decider(code, ctx.actor, ctx);
  if (command.amount > hold->amount) return reject_if_decider(hold_amount_exceeded, ctx.actor, ctx);

  Account& holder = *lookup(hold->holder);
  holder.held -= hold->amount;
  hold->state = HoldState::posted;
  move(holder, SystemAccount::revenue, -command.amount, movement_hold_post, ctx.actor, ctx);
  return reply(ctx, command.amount, hold->amount - command.amount, 0, 0);
}

std::optional<Reply> Ledger::apply(const HoldVoid& command, const Context& ctx) {
  if (find(ctx.actor) == nullptr) return reject_if_decider(account_unknown, ctx.actor, ctx);
  if (!owns(ctx.actor)) return std::nullopt;

  const auto found = holds_.find(HoldKey{ctx.actor.value, command.hold.value});
  Hold* hold = found == holds_.end() ? nullptr : &found->second;
  const ResultCode code = check_hold(hold, ctx);
  if (code != ResultCode::ok) return reject_if_decider(code, ctx.actor, ctx);

  lookup(hold->holder)->held -= hold->amount;
  hold->state = HoldState::voided;
  return reply(ctx, hold->amount, 0, 0, 0);
}

void Ledger::on_tick(const Context& ctx) {
  while (!timeouts_.empty() && timeouts_.top().expires_ns <= ctx.stamp.time_ns) {
    const Timeout due = timeouts_.top();
    timeouts_.pop();
    const auto found = holds_.find(HoldKey{due.actor, due.hold});
    if (found == holds_.end() || found->second.state != HoldState::active) continue;
    lookup(found->second.holder)->held -= found->second.amount;
    found->second.state = HoldState::expired;
  }
}

}  // namespace jubian::ledger
