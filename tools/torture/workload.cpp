#include "tools/torture/workload.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <set>
#include <stdexcept>

#include "engine/ledger/commands.hpp"

namespace jubian::torture {

Workload::Workload(const WorkloadOptions& options) : options_(options), random_(options.seed) {}

Command Workload::next() {
  const RequestId request{next_request_++};
  Command command;
  if (registered_sent_ < options_.accounts) {
    const AccountId account{kFirstAccount + registered_sent_++};
    command = Command{kOperator, request, ledger::RegisterUnit{account, ledger::UnitKind::enterprise}};
  } else {
    // Awards keep balances growing; spends and transfers draw on them.
    const uint64_t pick = random_() % 10;
    if (pick < 4) command = make_award();
    else if (pick < 7) command = make_spend();
    else command = make_transfer();
    command.request_id = request;
  }
  pending_.emplace(request.value, command);
  return command;
}

Command Workload::make_award() {
  ledger::Award award;
  award.rule = ledger::RuleId::contract_rnd;
  award.recipient = AccountId{kFirstAccount + random_() % options_.accounts};
  award.base_fen = static_cast<PriceFen>(random_() % static_cast<uint64_t>(options_.award_base_max));
  award.reference = next_request_;
  return Command{kOperator, RequestId{}, award};
}

Command Workload::make_spend() {
  ledger::Spend spend;
  spend.amount = 1 + static_cast<Points>(random_() % static_cast<uint64_t>(options_.spend_max));
  spend.use = ledger::UseCode::service;
  spend.reference = next_request_;
  return Command{AccountId{kFirstAccount + random_() % options_.accounts}, RequestId{}, spend};
}

Command Workload::make_transfer() {
  ledger::Transfer transfer;
  transfer.id = TransferId{next_request_};
  transfer.from = AccountId{kFirstAccount + random_() % options_.accounts};
  transfer.to = AccountId{kFirstAccount + random_() % options_.accounts};
  if (transfer.to == transfer.from) transfer.to = AccountId{kFirstAccount + (transfer.from.value - kFirstAccount + 1) % options_.accounts};
  transfer.amount = 1 + static_cast<Points>(random_() % static_cast<uint64_t>(options_.spend_max));
  transfer.reference = next_request_;
  return Command{transfer.from, RequestId{}, transfer};
}

void Workload::acknowledge(RequestId request, const Reply& reply) {
  const auto found = pending_.find(request.value);
  if (found == pending_.end()) return;

  apply_outcome(found->second, reply);
  ++answered_count_;
  if (options_.keep_answered) answered_.emplace(request.value, std::make_pair(std::move(found->second), reply));
  pending_.erase(found);
}

// Moves the model's balances by the outcome in the reply. Rejections move nothing.
void Workload::apply_outcome(const Command& command, const Reply& reply) {
  if (reply.code != ResultCode::ok) return;

  if (const auto* registration = std::get_if<ledger::RegisterUnit>(&command.body)) {
    balances_[registration->account.value] += reply.values[0];
    awarded_total_ += reply.values[0];
  } else if (const auto* award = std::get_if<ledger::Award>(&command.body)) {
    balances_[award->recipient.value] += reply.values[0];
    awarded_total_ += reply.values[0];
  } else if (const auto* spend = std::get_if<ledger::Spend>(&command.body)) {
    balances_[command.actor.value] -= spend->amount;
  } else if (const auto* transfer = std::get_if<ledger::Transfer>(&command.body)) {
    balances_[transfer->from.value] -= transfer->amount;
    balances_[transfer->to.value] += transfer->amount;
  } else {
    throw std::logic_error(fmt::format("torture workload: no model for command {}", command.name()));
  }
}

std::vector<Command> Workload::pending() const {
  std::vector<Command> commands;
  commands.reserve(pending_.size());
  for (const auto& [request, command] : pending_) commands.push_back(command);
  return commands;
}

std::vector<Command> Workload::sample_answered(size_t count) {
  std::vector<Command> sample;
  if (answered_.empty()) return sample;

  // Requests are numbered from 1 without gaps, so a random number finds a nearby replied request.
  // Each request appears once, because one session cannot wait for two replies of one id.
  std::set<uint64_t> chosen;
  for (size_t i = 0; i < count; ++i) {
    auto found = answered_.lower_bound(1 + random_() % (next_request_ - 1));
    if (found == answered_.end()) found = std::prev(answered_.end());
    if (chosen.insert(found->first).second) sample.push_back(found->second.first);
  }
  return sample;
}

const Reply* Workload::answered_reply(RequestId request) const {
  const auto found = answered_.find(request.value);
  return found == answered_.end() ? nullptr : &found->second.second;
}

Points Workload::balance(AccountId account) const {
  const auto found = balances_.find(account.value);
  return found == balances_.end() ? 0 : found->second;
}

std::vector<AccountId> Workload::account_ids() const {
  std::vector<AccountId> ids;
  for (uint32_t i = 0; i < options_.accounts; ++i) ids.push_back(AccountId{kFirstAccount + i});
  return ids;
}

}  // namespace jubian::torture
