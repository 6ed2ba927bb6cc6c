// cmake-link: jubian_ledger
// Spending, transfers, holds, redemption, year close, reports and registration errors.
// Every rejection is checked to leave the state digest unchanged.

#include <nlohmann/json.hpp>

#include "engine/common/log.hpp"
#include "tests/ledger/ledger_fixture.hpp"

namespace jubian::ledger::testing {
namespace {

constexpr uint64_t kUnit = 1000;
constexpr uint64_t kOther = 2000;
constexpr uint64_t kMember = 1001;

class Commands : public LedgerTest {
 protected:
  void SetUp() override {
    unit(kUnit);
    unit(kOther);
    individual(kMember, kUnit);
  }

  // Rejects `command` with `code` and checks that the state did not change.
  template <class Command>
  void expect_rejected(const Command& command, AccountId actor, ResultCode code) {
    const Digest before = digest();
    const Reply reply = run(command, actor);
    EXPECT_EQ(code_number(reply.code), code_number(code)) << code_name(reply.code);
    EXPECT_EQ(digest(), before);
  }

  Reply transfer(uint64_t id, uint64_t from, uint64_t to, Points amount, uint64_t actor) {
    return run(Transfer{TransferId{id}, AccountId{from}, AccountId{to}, amount, 1, 0}, AccountId{actor});
  }
};

TEST_F(Commands, RegistrationErrors) {
  expect_rejected(RegisterUnit{AccountId{kUnit}, UnitKind::enterprise}, kNoAccount, account_exists);
  expect_rejected(RegisterUnit{AccountId{3}, UnitKind::enterprise}, kNoAccount, account_reserved);
  expect_rejected(RegisterUnit{AccountId{3000}, static_cast<UnitKind>(0)}, kNoAccount, unit_kind_invalid);
  expect_rejected(RegisterUnit{AccountId{3000}, static_cast<UnitKind>(200)}, kNoAccount, unit_kind_invalid);
  expect_rejected(RegisterIndividual{AccountId{3001}, AccountId{9999}}, kNoAccount, unit_unknown);
  expect_rejected(RegisterIndividual{AccountId{3001}, AccountId{kMember}}, kNoAccount, unit_unknown);
  expect_rejected(RegisterIndividual{AccountId{kMember}, AccountId{kUnit}}, kNoAccount, ledger::account_exists);
}

TEST_F(Commands, SpendDebitsAvailableBalanceOnly) {
  expect_rejected(Spend{5'001, UseCode::service, 0}, AccountId{kUnit}, insufficient_balance);
  expect_rejected(Spend{0, UseCode::service, 0}, AccountId{kUnit}, ResultCode::amount_invalid);
  expect_rejected(Spend{-1, UseCode::service, 0}, AccountId{kUnit}, ResultCode::amount_invalid);
  expect_rejected(Spend{1, static_cast<UseCode>(9), 0}, AccountId{kUnit}, use_code_invalid);
  expect_rejected(Spend{1, UseCode::service, 0}, AccountId{4242}, account_unknown);

  const Reply spent = run(Spend{5'000, UseCode::annual_fee, 0}, AccountId{kMember});
  EXPECT_EQ(spent.code, ResultCode::ok);
  EXPECT_EQ(spent.values, (std::array<int64_t, 4>{5'000, 0, 0, 0}));
  EXPECT_EQ(ledger.system_balance(SystemAccount::revenue), 5'000);
  EXPECT_EQ(system_sum(), 0);
}

TEST_F(Commands, TransferIdempotentAndConflicting) {
  const Reply first = transfer(77, kUnit, kOther, 1'200, kUnit);
  EXPECT_EQ(first.code, ResultCode::ok);
  EXPECT_EQ(first.values[1], 3'800);
  EXPECT_EQ(balance(kOther), 6'200);

  const Digest after_first = digest();
  const Reply again = transfer(77, kUnit, kOther, 1'200, kUnit);
  EXPECT_EQ(again.code, ResultCode::duplicate_request);
  EXPECT_EQ(again.values, first.values);
  EXPECT_EQ(digest(), after_first);

  expect_rejected(Transfer{TransferId{77}, AccountId{kUnit}, AccountId{kOther}, 1'201, 1, 0}, AccountId{kUnit}, transfer_conflict);
  expect_rejected(Transfer{TransferId{0}, AccountId{kUnit}, AccountId{kOther}, 1, 1, 0}, AccountId{kUnit}, transfer_id_invalid);
  expect_rejected(Transfer{TransferId{78}, AccountId{kUnit}, AccountId{kMember}, 1, 1, 0}, AccountId{kUnit}, same_account);
  expect_rejected(Transfer{TransferId{78}, AccountId{kUnit}, AccountId{kOther}, 1, 1, 0}, AccountId{kOther}, not_account_owner);
  expect_rejected(Transfer{TransferId{78}, AccountId{kUnit}, AccountId{4242}, 1, 1, 0}, AccountId{kUnit}, account_unknown);
  expect_rejected(Transfer{TransferId{78}, AccountId{kUnit}, AccountId{kOther}, 0, 1, 0}, AccountId{kUnit}, ResultCode::amount_invalid);
}

TEST_F(Commands, RejectedTransferLeavesNoTraceAndCanRetry) {
  expect_rejected(Transfer{TransferId{90}, AccountId{kUnit}, AccountId{kOther}, 6'000, 1, 0}, AccountId{kMember}, insufficient_balance);
  award(RuleId::release_event, kUnit, 0, 1);
  const Reply retried = transfer(90, kUnit, kOther, 6'000, kMember);
  EXPECT_EQ(retried.code, ResultCode::ok);
  EXPECT_EQ(balance(kUnit), 5'000 + 50'000 - 6'000);
}

TEST_F(Commands, HoldPostPartialReleasesTheRest) {
  const Reply held = run(HoldCreate{HoldId{1}, 3'000, UseCode::commission, 0}, AccountId{kUnit});
  EXPECT_EQ(held.values, (std::array<int64_t, 4>{3'000, 0, 2'000, 0}));
  expect_rejected(Spend{2'001, UseCode::service, 0}, AccountId{kUnit}, insufficient_balance);
  expect_rejected(HoldCreate{HoldId{1}, 1, UseCode::service, 0}, AccountId{kUnit}, hold_exists);
  expect_rejected(HoldPost{HoldId{1}, 3'001}, AccountId{kUnit}, hold_amount_exceeded);
  expect_rejected(HoldPost{HoldId{2}, 1}, AccountId{kUnit}, hold_unknown);

  const Reply posted = run(HoldPost{HoldId{1}, 1'000}, AccountId{kUnit});
  EXPECT_EQ(posted.values, (std::array<int64_t, 4>{1'000, 2'000, 0, 0}));
  EXPECT_EQ(balance(kUnit), 4'000);
  EXPECT_EQ(ledger.find(AccountId{kUnit})->held, 0);
  expect_rejected(HoldPost{HoldId{1}, 1}, AccountId{kUnit}, hold_posted);
  expect_rejected(HoldVoid{HoldId{1}}, AccountId{kUnit}, hold_posted);
}

TEST_F(Commands, HoldVoidAndTimeout) {
  run(HoldCreate{HoldId{1}, 1'000, UseCode::service, 0}, AccountId{kUnit});
  EXPECT_EQ(run(HoldVoid{HoldId{1}}, AccountId{kUnit}).values[0], 1'000);
  expect_rejected(HoldPost{HoldId{1}, 1}, AccountId{kUnit}, hold_voided);

  run(HoldCreate{HoldId{2}, 1'000, UseCode::service, 10 * cst::kNsPerSecond}, AccountId{kUnit});
  now += 10 * cst::kNsPerSecond;
  expect_rejected(HoldPost{HoldId{2}, 1}, AccountId{kUnit}, hold_expired);  // due, before the tick runs
  EXPECT_EQ(ledger.find(AccountId{kUnit})->held, 1'000);
  ledger.on_tick(at());
  EXPECT_EQ(ledger.find(AccountId{kUnit})->held, 0);
  expect_rejected(HoldVoid{HoldId{2}}, AccountId{kUnit}, hold_expired);
  expect_rejected(HoldCreate{HoldId{3}, 1, UseCode::service, -1}, AccountId{kUnit}, timeout_invalid);
  expect_rejected(HoldCreate{HoldId{3}, 5'001, UseCode::service, 0}, AccountId{kUnit}, insufficient_balance);
}

TEST_F(Commands, RedemptionThresholdAndAnnualCap) {
  expect_rejected(RedeemRequest{1}, AccountId{kUnit}, redemption_below_threshold);
  award(RuleId::landing_signed, kUnit, base_fen_for_points(94'999), 1);
  expect_rejected(RedeemRequest{1}, AccountId{kUnit}, redemption_below_threshold);  // 99,999 points
  award(RuleId::challenge_project, kUnit, 0, 2);  // 149,999 points
  expect_rejected(RedeemRequest{1}, AccountId{kMember}, unit_required);
  expect_rejected(RedeemRequest{150'000}, AccountId{kUnit}, insufficient_balance);
  EXPECT_EQ(run(RedeemRequest{100'000}, AccountId{kUnit}).code, ResultCode::ok);

  award(RuleId::accelerator_growth, kUnit, 0, 3, kOther);
  award(RuleId::accelerator_growth, kUnit, 0, 4, kOther);
  award(RuleId::accelerator_growth, kUnit, 0, 5, kOther);
  const Reply to_cap = run(RedeemRequest{1'900'000}, AccountId{kUnit});
  EXPECT_EQ(to_cap.values[1], 2'000'000);
  expect_rejected(RedeemRequest{1}, AccountId{kUnit}, redemption_over_annual_cap);

  now = utc(2026, 12, 31, 16, 0, 0);  // a new CST year
  EXPECT_EQ(run(RedeemRequest{1}, AccountId{kUnit}).values[1], 1);
}

TEST_F(Commands, SettlementPaysAfterQuarterEndWithSplit) {
  run(Login{}, AccountId{kMember});                           // 50 attributed to the individual
  award(RuleId::scientist_team, kMember, 0, 1);               // 300,000 attributed to the individual
  award(RuleId::scientist_team, kUnit, 0, 2);                 // 300,000 the unit's own
  ASSERT_EQ(balance(kUnit), 605'050);
  now = utc(2026, 6, 30, 15, 0, 0);
  ASSERT_EQ(run(RedeemRequest{121'010}, AccountId{kUnit}).code, ResultCode::ok);

  expect_rejected(RedemptionSettle{2026, 2}, kNoAccount, quarter_invalid);  // 2026-06-30 23:00 in Beijing
  expect_rejected(RedemptionSettle{2026, 5}, kNoAccount, quarter_invalid);
  now = utc(2026, 6, 30, 16, 0, 0);
  const Reply settled = run(RedemptionSettle{2026, 2});
  EXPECT_EQ(settled.values, (std::array<int64_t, 4>{1, 121'010, 2, 0}));
  // 121,010 * 300,050 / 605,050 = 60,010.9...: the individual gets 60,010, the unit the rest.
  EXPECT_EQ(detail,
            "year,quarter,request_seq,unit,payee,payee_kind,points,yuan\n"
            "2026,2,7,1000,1001,individual,60010,60010\n"
            "2026,2,7,1000,1000,unit,61000,61000\n");
  EXPECT_EQ(balance(kUnit), 605'050 - 121'010);
  EXPECT_EQ(ledger.system_balance(SystemAccount::redemption), 121'010);
  EXPECT_EQ(ledger.find(AccountId{kMember})->attributed_outstanding, 300'050 - 60'010);
  EXPECT_EQ(run(RedemptionSettle{2026, 2}).values[0], 0);
  EXPECT_EQ(system_sum(), 0);
}

TEST_F(Commands, YearCloseClearsLowEarners) {
  constexpr uint64_t kRich = 3000;
  now = utc(2025, 6, 1, 0, 0, 0);
  unit(kRich);
  unit(4000);
  award(RuleId::landing_signed, kRich, base_fen_for_points(60'000), 1);
  now = utc(2026, 6, 1, 0, 0, 0);
  award(RuleId::landing_signed, kRich, base_fen_for_points(40'000), 2);  // 5,000 + 100,000 over two years
  run(HoldCreate{HoldId{1}, 1'000, UseCode::service, 0}, AccountId{4000});

  now = utc(2026, 12, 31, 15, 59, 59);
  expect_rejected(YearClose{2026}, kNoAccount, year_invalid);
  now = utc(2026, 12, 31, 16, 0, 0);
  const Reply closed = run(YearClose{2026});
  EXPECT_EQ(closed.code, ResultCode::ok);
  EXPECT_EQ(closed.values[0], 1);        // unit 4000; units registered in 2026 are not judged yet
  EXPECT_EQ(closed.values[1], 4'000);    // its held 1,000 stays
  EXPECT_EQ(balance(4000), 1'000);
  EXPECT_EQ(balance(kRich), 105'000);
  EXPECT_EQ(balance(kUnit), 5'000);
  EXPECT_EQ(ledger.system_balance(SystemAccount::expiry), 4'000);
  expect_rejected(YearClose{2026}, kNoAccount, year_already_closed);
  expect_rejected(YearClose{2027}, kNoAccount, year_invalid);
  EXPECT_EQ(system_sum(), 0);
}

TEST_F(Commands, AccountReportKeepsLast64Movements) {
  for (int day = 0; day < 100; ++day) {
    now = kJune1 + day * cst::kNsPerDay;
    run(Login{}, AccountId{kUnit});
  }
  const Reply report = run(AccountReport{}, AccountId{kUnit});
  EXPECT_EQ(report.values[0], 10'000);
  const auto json = nlohmann::json::parse(detail);
  EXPECT_EQ(json["balance"], 10'000);
  ASSERT_EQ(json["history"].size(), kHistoryLength);
  EXPECT_EQ(json["history"].back()["seq"], seq - 1);
  EXPECT_EQ(json["history"].back()["amount"], 50);
  expect_rejected(AccountReport{}, AccountId{4242}, account_unknown);
}

TEST_F(Commands, RuleTotalsPerPeriod) {
  now = utc(2026, 6, 1, 16, 0, 0);
  run(Login{}, AccountId{kOther});
  award(RuleId::release_event, kOther, 0, 1);
  const Reply june2 = run(RuleTotals{utc(2026, 6, 1, 16, 0, 0), utc(2026, 6, 2, 16, 0, 0)});
  EXPECT_EQ(june2.values[0], 50'050);
  const auto json = nlohmann::json::parse(detail);
  EXPECT_EQ(json["rules"]["daily_login"], 50);
  EXPECT_EQ(json["rules"]["release_event"], 50'000);
  EXPECT_EQ(json["rules"]["register"], 0);
  EXPECT_EQ(json["first_day"], "2026-06-02");
  EXPECT_EQ(json["last_day"], "2026-06-02");
  EXPECT_EQ(run(RuleTotals{0, utc(2027, 1, 1, 0, 0, 0)}).values[0], 10'000 + 50'050);
  expect_rejected(RuleTotals{10, 9}, kNoAccount, period_invalid);
}

TEST_F(Commands, SnapshotRoundTripKeepsDigest) {
  run(HoldCreate{HoldId{1}, 1'000, UseCode::service, cst::kNsPerSecond}, AccountId{kUnit});
  transfer(5, kUnit, kOther, 10, kUnit);
  award(RuleId::evaluation, kMember, 1'000'000, 1);
  std::vector<uint8_t> snapshot;
  ledger.save(snapshot);

  Ledger restored(default_rules());
  ASSERT_TRUE(restored.load(snapshot));
  const Ledger* shards[] = {&restored};
  EXPECT_EQ(Ledger::combined_hash(shards), digest());

  // Both continue identically: the hold times out and the transfer id is remembered.
  now += 2 * cst::kNsPerSecond;
  ledger.on_tick(at());
  Context ctx = at(AccountId{kUnit});
  restored.on_tick(ctx);
  EXPECT_EQ(restored.apply(Transfer{TransferId{5}, AccountId{kUnit}, AccountId{kOther}, 10, 1, 0}, ctx)->code,
            ResultCode::duplicate_request);
  EXPECT_EQ(Ledger::combined_hash(shards), digest());

  snapshot.pop_back();
  EXPECT_FALSE(restored.load(snapshot));
  EXPECT_EQ(restored.find(AccountId{kUnit}), nullptr);
  Ledger other_shard(default_rules(), 1, 2);
  snapshot.clear();
  ledger.save(snapshot);
  EXPECT_FALSE(other_shard.load(snapshot));
}

TEST_F(Commands, DamagedSnapshotNeverLoadsPartly) {
  run(HoldCreate{HoldId{1}, 1'000, UseCode::service, cst::kNsPerSecond}, AccountId{kUnit});
  award(RuleId::evaluation, kMember, 1'000'000, 1);
  std::vector<uint8_t> snapshot;
  ledger.save(snapshot);

  // Every truncation is rejected and leaves the ledger empty. Each rejection logs an
  // error line, so logging is off while this test runs.
  set_log_level("off");
  Ledger restored(default_rules());
  for (size_t size = 0; size < snapshot.size(); ++size) {
    ASSERT_FALSE(restored.load(std::span<const uint8_t>(snapshot.data(), size))) << size;
    ASSERT_EQ(restored.find(AccountId{kUnit}), nullptr);
  }

  // A flipped byte either loads a consistent ledger or is rejected; it never crashes.
  size_t rejected = 0;
  for (size_t at = 0; at < snapshot.size(); ++at) {
    std::vector<uint8_t> damaged = snapshot;
    damaged[at] ^= 0x5A;
    rejected += restored.load(damaged) ? 0 : 1;
  }
  set_log_level("info");
  EXPECT_GT(rejected, 0u);
}

}  // namespace
}  // namespace jubian::ledger::testing
