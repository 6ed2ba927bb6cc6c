// cmake-link: jubian_ledger
// Every rule of the award table at its boundaries: the cap reached exactly, one point
// over it, rounding down, business days and years in China Standard Time.

#include "tests/ledger/ledger_fixture.hpp"

namespace jubian::ledger::testing {
namespace {

constexpr uint64_t kUnit = 1000;
constexpr uint64_t kOther = 2000;

// The base amount in fen that earns exactly `points` at `rate_bps`.
PriceFen base_for(Points points, int64_t rate_bps) { return points * 1'000'000 / rate_bps; }

class AwardRules : public LedgerTest {
 protected:
  void SetUp() override {
    unit(kUnit);
    unit(kOther);
  }
};

TEST_F(AwardRules, RegisterPaysOnceAndRejectsSecondAward) {
  EXPECT_EQ(balance(kUnit), 5'000);
  const Digest before = digest();
  const Reply again = award(RuleId::register_unit, kUnit);
  EXPECT_EQ(again.code, award_already_paid);
  EXPECT_EQ(digest(), before);
}

TEST_F(AwardRules, DailyLoginBoundaryAtSixteenUtc) {
  now = utc(2026, 6, 1, 15, 59, 59);  // 23:59:59 in Beijing
  EXPECT_EQ(run(Login{}, AccountId{kUnit}).values[0], 50);
  const Reply same_day = run(Login{}, AccountId{kUnit});
  EXPECT_EQ(same_day.code, ResultCode::ok);
  EXPECT_EQ(same_day.values[0], 0);
  EXPECT_EQ(same_day.values[1], 50);

  now = utc(2026, 6, 1, 16, 0, 0);  // 00:00:00 of June 2 in Beijing
  EXPECT_EQ(run(Login{}, AccountId{kUnit}).values[0], 50);
  now = utc(2026, 6, 2, 15, 59, 59);
  EXPECT_EQ(run(Login{}, AccountId{kUnit}).values[0], 0);
  EXPECT_EQ(balance(kUnit), 5'100);
}

TEST_F(AwardRules, DailyPublishOncePerBusinessDay) {
  now = utc(2026, 6, 1, 15, 59, 59);
  EXPECT_EQ(ledger.award_publish(AccountId{kUnit}, at()), 200);
  EXPECT_EQ(ledger.award_publish(AccountId{kUnit}, at()), 0);
  now = utc(2026, 6, 1, 16, 0, 0);
  EXPECT_EQ(ledger.award_publish(AccountId{kUnit}, at()), 200);
  EXPECT_EQ(ledger.award_publish(AccountId{99'999}, at()), 0);
}

TEST_F(AwardRules, LoginAndPublishAreNotAwardable) {
  EXPECT_EQ(award(RuleId::daily_login, kUnit).code, rule_not_awardable);
  EXPECT_EQ(award(RuleId::daily_publish, kUnit).code, rule_not_awardable);
  EXPECT_EQ(award(RuleId::trade, kUnit, 100, 1, kOther).code, rule_not_awardable);
  EXPECT_EQ(award(RuleId::broker_chain, kUnit, 100).code, rule_not_awardable);
  EXPECT_EQ(award(static_cast<RuleId>(0), kUnit).code, rule_unknown);
  EXPECT_EQ(award(static_cast<RuleId>(29), kUnit).code, rule_unknown);
}

struct PercentCase {
  RuleId rule;
  int64_t rate_bps;
  Points cap;
  bool per_year;
};

class PercentRules : public AwardRules, public ::testing::WithParamInterface<PercentCase> {};

TEST_P(PercentRules, CapExactThenOnePointOver) {
  const PercentCase c = GetParam();
  const Reply exact = award(c.rule, kUnit, base_for(c.cap, c.rate_bps), 1);
  EXPECT_EQ(exact.code, ResultCode::ok);
  EXPECT_EQ(exact.values[0], c.cap);
  EXPECT_EQ(exact.values[1], 0);

  // startup_revenue rejects bases under 200,000 yuan, so its smallest award is 10,000 points.
  const Points smallest = c.rule == RuleId::startup_revenue ? 10'000 : 1;
  const Reply over = award(c.rule, kUnit, base_for(smallest, c.rate_bps), 1);
  EXPECT_EQ(over.values[0], 0);
  EXPECT_EQ(over.values[1], smallest);

  // A new event has its own cap; a per-year cap still counts the year's earlier awards.
  const Reply next = award(c.rule, kUnit, base_for(c.cap + 1, c.rate_bps), 2);
  EXPECT_EQ(next.values[0], c.per_year ? 0 : c.cap);
  EXPECT_EQ(next.values[1], c.per_year ? c.cap + 1 : 1);
}

class PerYearPercentRules : public PercentRules {};

TEST_P(PerYearPercentRules, CapRestartsAtCstNewYear) {
  const PercentCase c = GetParam();
  now = utc(2026, 12, 31, 15, 59, 59);
  EXPECT_EQ(award(c.rule, kUnit, base_for(c.cap, c.rate_bps), 1).values[0], c.cap);
  now = utc(2026, 12, 31, 16, 0, 0);  // 2027-01-01 00:00:00 in Beijing
  EXPECT_EQ(award(c.rule, kUnit, base_for(c.cap, c.rate_bps), 1).values[0], c.cap);
}

TEST_P(PercentRules, RoundsDownToWholePoints) {
  const PercentCase c = GetParam();
  const Reply under = award(c.rule, kOther, base_for(2, c.rate_bps) - 1, 7);
  if (c.rule == RuleId::startup_revenue) {
    EXPECT_EQ(under.code, base_below_minimum);
    return;
  }
  EXPECT_EQ(under.code, ResultCode::ok);
  EXPECT_EQ(under.values[0], 1);
  EXPECT_EQ(under.values[1], 0);
}

TEST_P(PercentRules, RejectsZeroAndNegativeBase) {
  const PercentCase c = GetParam();
  const Digest before = digest();
  EXPECT_EQ(award(c.rule, kUnit, 0, 1).code, ResultCode::amount_invalid);
  EXPECT_EQ(award(c.rule, kUnit, -5, 1).code, ResultCode::amount_invalid);
  EXPECT_EQ(award(c.rule, 424'242, base_for(10, c.rate_bps), 1).code, account_unknown);
  EXPECT_EQ(digest(), before);
}

INSTANTIATE_TEST_SUITE_P(Table, PercentRules,
                         ::testing::Values(PercentCase{RuleId::contract_rnd, 500, 100'000, false},
                                           PercentCase{RuleId::startup_revenue, 500, 500'000, false},
                                           PercentCase{RuleId::landing_signed, 1'000, 500'000, false},
                                           PercentCase{RuleId::landing_built, 2'000, 1'500'000, false},
                                           PercentCase{RuleId::park_attraction, 1'000, 500'000, false},
                                           PercentCase{RuleId::evaluation, 500, 500'000, true},
                                           PercentCase{RuleId::pilot_service, 500, 500'000, true},
                                           PercentCase{RuleId::seed_investment, 200, 300'000, false},
                                           PercentCase{RuleId::sme_investment, 100, 200'000, false}),
                         [](const auto& info) { return std::string(rule_name(info.param.rule)); });

INSTANTIATE_TEST_SUITE_P(Table, PerYearPercentRules,
                         ::testing::Values(PercentCase{RuleId::evaluation, 500, 500'000, true},
                                           PercentCase{RuleId::pilot_service, 500, 500'000, true}),
                         [](const auto& info) { return std::string(rule_name(info.param.rule)); });

TEST_F(AwardRules, StartupRevenueMinimumIsTwoHundredThousandYuan) {
  EXPECT_EQ(award(RuleId::startup_revenue, kUnit, 19'999'999, 1).code, base_below_minimum);
  const Reply at_minimum = award(RuleId::startup_revenue, kUnit, 20'000'000, 1);
  EXPECT_EQ(at_minimum.code, ResultCode::ok);
  EXPECT_EQ(at_minimum.values[0], 10'000);
}

struct FixedCase {
  RuleId rule;
  Points points;
};

class FixedPerEventRules : public AwardRules, public ::testing::WithParamInterface<FixedCase> {};

TEST_P(FixedPerEventRules, OncePerEventReference) {
  const FixedCase c = GetParam();
  const Reply first = award(c.rule, kUnit, 0, 11);
  EXPECT_EQ(first.values[0], c.points);
  EXPECT_EQ(first.values[1], 0);
  const Reply repeat = award(c.rule, kUnit, 0, 11);
  EXPECT_EQ(repeat.code, ResultCode::ok);
  EXPECT_EQ(repeat.values[0], 0);
  EXPECT_EQ(repeat.values[1], c.points);
  EXPECT_EQ(award(c.rule, kUnit, 0, 12).values[0], c.points);
  EXPECT_EQ(balance(kUnit), 5'000 + 2 * c.points);
}

INSTANTIATE_TEST_SUITE_P(Table, FixedPerEventRules,
                         ::testing::Values(FixedCase{RuleId::challenge_project, 50'000}, FixedCase{RuleId::scientist_team, 300'000},
                                           FixedCase{RuleId::release_event, 50'000}, FixedCase{RuleId::finance_ranking, 300'000}),
                         [](const auto& info) { return std::string(rule_name(info.param.rule)); });

class TwoSidedFixedRules : public AwardRules, public ::testing::WithParamInterface<FixedCase> {};

TEST_P(TwoSidedFixedRules, BothSidesOncePerEvent) {
  const FixedCase c = GetParam();
  const Reply first = award(c.rule, kUnit, 0, 5, kOther);
  EXPECT_EQ(first.values, (std::array<int64_t, 4>{c.points, 0, c.points, 0}));
  const Reply repeat = award(c.rule, kUnit, 0, 5, kOther);
  EXPECT_EQ(repeat.values, (std::array<int64_t, 4>{0, c.points, 0, c.points}));
  EXPECT_EQ(balance(kUnit), 5'000 + c.points);
  EXPECT_EQ(balance(kOther), 5'000 + c.points);
  EXPECT_EQ(award(c.rule, kUnit, 0, 6, kUnit).code, counterparty_invalid);
  EXPECT_EQ(award(c.rule, kUnit, 0, 6).code, counterparty_invalid);
}

INSTANTIATE_TEST_SUITE_P(Table, TwoSidedFixedRules,
                         ::testing::Values(FixedCase{RuleId::incubation_team, 10'000}, FixedCase{RuleId::incubation_sme, 20'000},
                                           FixedCase{RuleId::incubation_hitech, 30'000},
                                           FixedCase{RuleId::accelerator_growth, 1'000'000}),
                         [](const auto& info) { return std::string(rule_name(info.param.rule)); });

TEST_F(AwardRules, InstrumentSharingCapsEachSidePerYear) {
  // 3,000,000 yuan: the user's 10% is exactly its 300,000 cap, the provider's 5% is 150,000.
  const Reply first = award(RuleId::instrument_sharing, kUnit, 300'000'000, 1, kOther);
  EXPECT_EQ(first.values, (std::array<int64_t, 4>{300'000, 0, 150'000, 0}));
  // 1,000,020 yuan more: the user is over its cap; the provider's 50,001 reaches 200,000 with 1 point trimmed.
  const Reply second = award(RuleId::instrument_sharing, kUnit, 100'002'000, 2, kOther);
  EXPECT_EQ(second.values, (std::array<int64_t, 4>{0, 100'002, 50'000, 1}));
}

TEST_F(AwardRules, IpServiceCapsBuyerAndProvider) {
  const Reply first = award(RuleId::ip_service, kUnit, 400'000'000, 1, kOther);  // 4,000,000 yuan
  EXPECT_EQ(first.values, (std::array<int64_t, 4>{200'000, 0, 100'000, 20'000}));
  EXPECT_EQ(balance(kOther), 105'000);
}

TEST_F(AwardRules, BranchCenterTiers) {
  EXPECT_EQ(award(RuleId::branch_center, kUnit, 0, 2026, 0, 1).values[0], 1'000'000);
  EXPECT_EQ(award(RuleId::branch_center, kOther, 0, 2026, 0, 2).values[0], 500'000);
  EXPECT_EQ(award(RuleId::branch_center, kOther, 0, 2027, 0, 3).code, tier_invalid);
  EXPECT_EQ(award(RuleId::branch_center, kOther, 0, 2027, 0, 0).code, tier_invalid);
  const Reply repeat = award(RuleId::branch_center, kUnit, 0, 2026, 0, 1);
  EXPECT_EQ(repeat.values[0], 0);
  EXPECT_EQ(repeat.values[1], 1'000'000);
}

TEST_F(AwardRules, TransferInstitutionOnce) {
  EXPECT_EQ(award(RuleId::transfer_institution, kUnit).values[0], 1'000'000);
  EXPECT_EQ(award(RuleId::transfer_institution, kUnit).code, award_already_paid);
}

TEST_F(AwardRules, TransferCollegeFoundingOnceAndPerStudent) {
  EXPECT_EQ(award(RuleId::transfer_college, kUnit).values[0], 1'000'000);
  EXPECT_EQ(award(RuleId::transfer_college, kUnit).code, award_already_paid);
  EXPECT_EQ(award(RuleId::transfer_college, kUnit, 0, 1, 0, 0, 35).values[0], 350'000);
  EXPECT_EQ(award(RuleId::transfer_college, kUnit, 0, 2, 0, 0, 1).values[0], 10'000);
  EXPECT_EQ(balance(kUnit), 5'000 + 1'360'000);
}

TEST_F(AwardRules, BrokerTitlePaysEmployerForFirstTitleOnly) {
  EXPECT_EQ(run(RegisterBroker{AccountId{3001}, AccountId{kUnit}, {}, {}, {}, TitleLevel::none}).values[0], 0);
  EXPECT_EQ(run(RegisterBroker{AccountId{3001}, AccountId{kUnit}, {}, {}, {}, TitleLevel::middle}).values[0], 5'000);
  EXPECT_EQ(run(RegisterBroker{AccountId{3001}, AccountId{kUnit}, {}, {}, {}, TitleLevel::senior}).values[0], 0);
  EXPECT_EQ(run(RegisterBroker{AccountId{3002}, AccountId{kUnit}, {}, {}, {}, TitleLevel::senior}).values[0], 10'000);
  EXPECT_EQ(run(RegisterBroker{AccountId{3003}, AccountId{kUnit}, {}, {}, {}, TitleLevel::junior}).values[0], 2'000);
  EXPECT_EQ(balance(kUnit), 5'000 + 17'000);
  EXPECT_EQ(run(RegisterBroker{AccountId{3001}, AccountId{kOther}, {}, {}, {}, TitleLevel::junior}).code, broker_unit_mismatch);
  EXPECT_EQ(run(RegisterBroker{AccountId{3004}, AccountId{kUnit}, {}, {}, {}, static_cast<TitleLevel>(4)}).code, title_invalid);
  EXPECT_EQ(run(RegisterBroker{AccountId{3004}, AccountId{kUnit}, AccountId{77}, {}, {}, TitleLevel::junior}).code,
            broker_links_invalid);
}

TEST_F(AwardRules, TradeAwardsBuyerAndSellerOnce) {
  Trade trade;
  trade.id = make_trade_id(10, 0);
  trade.buyer = AccountId{kUnit};
  trade.seller = AccountId{kOther};
  trade.amount = 1'234'567'89;  // 1,234,567.89 yuan: 2% is 24,691.3578 points
  EXPECT_TRUE(ledger.settle(trade, at()));
  EXPECT_EQ(balance(kUnit), 5'000 + 24'691);
  EXPECT_EQ(balance(kOther), 5'000 + 24'691);
  EXPECT_FALSE(ledger.settle(trade, at()));
  trade.id = make_trade_id(9, 3);
  EXPECT_FALSE(ledger.settle(trade, at()));
  EXPECT_EQ(balance(kUnit), 5'000 + 24'691);
}

TEST_F(AwardRules, BrokerChainPaysFourParties) {
  constexpr uint64_t kInstitution = 4000, kTraining = 4001, kCultivation = 4002, kEmployer = 4003, kBroker = 4100;
  unit(kInstitution, UnitKind::service_institution);
  unit(kTraining, UnitKind::training_base);
  unit(kCultivation, UnitKind::training_base);
  unit(kEmployer, UnitKind::broker_org);
  run(RegisterBroker{AccountId{kBroker}, AccountId{kEmployer}, AccountId{kInstitution}, AccountId{kTraining},
                     AccountId{kCultivation}, TitleLevel::none});

  Trade trade;
  trade.id = make_trade_id(20, 0);
  trade.buyer = AccountId{kUnit};
  trade.seller = AccountId{kOther};
  trade.seller_broker = AccountId{kBroker};
  trade.amount = 100'000'000;  // 1,000,000 yuan
  ASSERT_TRUE(ledger.settle(trade, at()));
  EXPECT_EQ(balance(kEmployer), 5'000 + 30'000);  // the broker's 3% credits its employer
  EXPECT_EQ(balance(kInstitution), 5'000 + 20'000);
  EXPECT_EQ(balance(kTraining), 5'000 + 10'000);
  EXPECT_EQ(balance(kCultivation), 5'000 + 10'000);
  EXPECT_EQ(ledger.find(AccountId{kBroker})->attributed_total, 30'000);
  EXPECT_EQ(balance(kOther), 5'000 + 20'000);
}

TEST_F(AwardRules, IndividualEarningsCreditTheUnit) {
  individual(5001, kUnit);
  EXPECT_EQ(run(Login{}, AccountId{5001}).values[0], 50);
  EXPECT_EQ(run(Login{}, AccountId{kUnit}).values[0], 50);
  EXPECT_EQ(balance(kUnit), 5'100);
  EXPECT_EQ(balance(5001), 5'100);
  EXPECT_EQ(ledger.find(AccountId{5001})->attributed_outstanding, 50);
}

TEST_F(AwardRules, SumOfBalancesStaysZero) {
  award(RuleId::scientist_team, kUnit, 0, 1);
  spend(kUnit, 1'000);
  EXPECT_EQ(system_sum(), 0);
  EXPECT_EQ(ledger.system_balance(SystemAccount::issuance), -(10'000 + 300'000));
  EXPECT_EQ(ledger.system_balance(SystemAccount::revenue), 1'000);
}

}  // namespace
}  // namespace jubian::ledger::testing
