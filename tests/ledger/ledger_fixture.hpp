#pragma once
// Shared helpers of the ledger tests: a one-shard ledger with the default rules, a
// sequenced clock and short calls for the commands.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "engine/common/time.hpp"
#include "engine/ledger/ledger.hpp"

namespace jubian::ledger::testing {

// 2026-06-01T00:00:00 in China Standard Time.
inline const TimeNs kJune1 = cst::year_start(2026) + 151 * cst::kNsPerDay;
inline constexpr TimeNs kHour = 3'600 * cst::kNsPerSecond;

inline TimeNs utc(int year, unsigned month, unsigned day, int hour, int minute, int second) {
  const auto days = std::chrono::sys_days{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}};
  return static_cast<TimeNs>(days.time_since_epoch().count()) * cst::kNsPerDay +
         (static_cast<TimeNs>(hour) * 3600 + minute * 60 + second) * cst::kNsPerSecond;
}

// The base in fen that earns `points` under landing_signed (10%).
inline PriceFen base_fen_for_points(Points points) { return points * 1'000; }

class LedgerTest : public ::testing::Test {
 protected:
  LedgerTest() : ledger(default_rules()) {}

  Context at(AccountId actor = kNoAccount) {
    Context ctx;
    ctx.stamp = Stamp{++seq, now};
    ctx.actor = actor;
    ctx.events = &events;
    ctx.detail = &detail;
    return ctx;
  }

  template <class Command>
  Reply run(const Command& command, AccountId actor = kNoAccount) {
    detail.clear();
    const std::optional<Reply> reply = ledger.apply(command, at(actor));
    EXPECT_TRUE(reply.has_value()) << "a one-shard ledger answers every command";
    return reply.value_or(Reply{});
  }

  Reply unit(uint64_t id, UnitKind kind = UnitKind::enterprise) { return run(RegisterUnit{AccountId{id}, kind}); }
  Reply individual(uint64_t id, uint64_t unit_id) { return run(RegisterIndividual{AccountId{id}, AccountId{unit_id}}); }
  Reply award(RuleId rule, uint64_t recipient, PriceFen base_fen = 0, uint64_t reference = 0, uint64_t counterparty = 0,
              uint8_t tier = 0, uint32_t count = 0) {
    return run(Award{rule, AccountId{recipient}, AccountId{counterparty}, base_fen, reference, tier, count});
  }
  Reply spend(uint64_t actor, Points amount) { return run(Spend{amount, UseCode::service, 0}, AccountId{actor}); }
  Points balance(uint64_t id) const { return ledger.balance(AccountId{id}); }

  Digest digest() const {
    const Ledger* self = &ledger;
    return Ledger::combined_hash(std::span<const Ledger* const>(&self, 1));
  }

  Points system_sum() const {
    Points sum = 0;
    for (size_t i = 0; i < kSystemAccountCount; ++i) sum += ledger.system_balance(static_cast<SystemAccount>(i));
    ledger.for_each_account([&](const Account& account) { sum += account.balance; });
    return sum;
  }

  Ledger ledger;
  Seq seq = 0;
  TimeNs now = kJune1;
  std::vector<Event> events;
  std::string detail;
};

}  // namespace jubian::ledger::testing
