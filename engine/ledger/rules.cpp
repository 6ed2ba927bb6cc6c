#include "engine/ledger/rules.hpp"

#include <toml++/toml.h>

#include <limits>
#include <stdexcept>
#include <string>

#include "engine/common/log.hpp"

namespace jubian::ledger {

namespace {

constexpr std::array<std::string_view, kRuleCount> kRuleNames = {
    "register",          "daily_login",       "daily_publish",      "branch_center",
    "challenge_project", "contract_rnd",      "scientist_team",     "release_event",
    "startup_revenue",   "landing_signed",    "landing_built",      "park_attraction",
    "incubation_team",   "incubation_sme",    "incubation_hitech",  "accelerator_growth",
    "evaluation",        "trade",             "transfer_institution", "broker_chain",
    "transfer_college",  "broker_title",      "pilot_service",      "instrument_sharing",
    "seed_investment",   "sme_investment",    "finance_ranking",    "ip_service",
};

// Basis points are at most 100%; points at most one trillion, far above any policy figure.
constexpr int64_t kRateBpsMax = 10'000;
constexpr int64_t kPointsMax = 1'000'000'000'000;

RuleSpec make(RuleId id, RuleKind kind, CapScope scope, RulePart part, RulePart counter = {}) {
  RuleSpec spec;
  spec.id = id;
  spec.name = std::string(rule_name(id));
  spec.kind = kind;
  spec.cap_scope = scope;
  spec.parts = {part, counter};
  return spec;
}

[[noreturn]] void fail(const std::filesystem::path& file, std::string_view rule, std::string_view key, std::string_view problem) {
  throw std::runtime_error("rules file " + file.string() + ": [" + std::string(rule) + "] " + std::string(key) + ": " +
                           std::string(problem));
}

int64_t read_int(const toml::table& table, const std::filesystem::path& file, std::string_view rule, std::string_view key,
                 int64_t max, bool required) {
  const toml::node* node = table.get(key);
  if (node == nullptr) {
    if (required) fail(file, rule, key, "missing");
    return 0;
  }
  const auto value = node->value<int64_t>();
  if (!node->is_integer() || !value) fail(file, rule, key, "must be an integer");
  if (*value < 0 || *value > max) fail(file, rule, key, "must be between 0 and " + std::to_string(max));
  return *value;
}

std::string read_string(const toml::table& table, const std::filesystem::path& file, std::string_view rule, std::string_view key) {
  const auto value = table.get(key) ? table.get(key)->value<std::string>() : std::nullopt;
  if (!value || value->empty()) fail(file, rule, key, "missing or not a non-empty string");
  return *value;
}

template <size_t N>
std::array<int64_t, N> read_ints(const toml::table& table, const std::filesystem::path& file, std::string_view rule,
                                 std::string_view key, size_t count_min, int64_t max) {
  const toml::array* array = table.get(key) ? table.get(key)->as_array() : nullptr;
  if (array == nullptr) fail(file, rule, key, "missing or not an array");
  if (array->size() < count_min || array->size() > N)
    fail(file, rule, key, "must have " + std::to_string(count_min) + " to " + std::to_string(N) + " elements");
  std::array<int64_t, N> values{};
  for (size_t i = 0; i < array->size(); ++i) {
    const auto value = (*array)[i].value<int64_t>();
    if (!(*array)[i].is_integer() || !value || *value < 0 || *value > max)
      fail(file, rule, key, "element " + std::to_string(i) + " must be an integer between 0 and " + std::to_string(max));
    values[i] = *value;
  }
  return values;
}

RuleKind parse_kind(std::string_view text, const std::filesystem::path& file, std::string_view rule) {
  if (text == "fixed") return RuleKind::fixed;
  if (text == "percent") return RuleKind::percent;
  if (text == "two_sided") return RuleKind::two_sided;
  if (text == "tiered") return RuleKind::tiered;
  if (text == "broker_chain") return RuleKind::broker_chain;
  if (text == "per_unit") return RuleKind::per_unit;
  fail(file, rule, "kind", "unknown kind '" + std::string(text) + "'; expected fixed, percent, two_sided, tiered, broker_chain or per_unit");
}

CapScope parse_scope(std::string_view text, const std::filesystem::path& file, std::string_view rule) {
  if (text == "none") return CapScope::none;
  if (text == "once_per_account") return CapScope::once_per_account;
  if (text == "per_business_day") return CapScope::per_business_day;
  if (text == "per_event") return CapScope::per_event;
  if (text == "per_account_per_year") return CapScope::per_account_per_year;
  fail(file, rule, "cap_scope",
       "unknown scope '" + std::string(text) + "'; expected none, once_per_account, per_business_day, per_event or per_account_per_year");
}

RuleSpec parse_rule(RuleId id, const toml::table& table, const std::filesystem::path& file) {
  const std::string_view rule = rule_name(id);
  RuleSpec spec;
  spec.id = id;
  spec.name = std::string(rule);
  spec.kind = parse_kind(read_string(table, file, rule, "kind"), file, rule);
  spec.cap_scope = parse_scope(read_string(table, file, rule, "cap_scope"), file, rule);

  const bool fixed_points = spec.kind == RuleKind::fixed || spec.kind == RuleKind::per_unit;
  spec.parts[0].points = read_int(table, file, rule, "points", kPointsMax, fixed_points);
  spec.parts[0].rate_bps = read_int(table, file, rule, "rate_bps", kRateBpsMax, spec.kind == RuleKind::percent);
  spec.parts[0].cap = read_int(table, file, rule, "cap", kPointsMax, false);
  spec.parts[1].points = read_int(table, file, rule, "counter_points", kPointsMax, false);
  spec.parts[1].rate_bps = read_int(table, file, rule, "counter_rate_bps", kRateBpsMax, false);
  spec.parts[1].cap = read_int(table, file, rule, "counter_cap", kPointsMax, false);
  spec.unit_points = read_int(table, file, rule, "unit_points", kPointsMax, spec.kind == RuleKind::per_unit);
  spec.min_base_fen = read_int(table, file, rule, "min_base_fen", std::numeric_limits<int64_t>::max(), false);
  if (spec.kind == RuleKind::tiered) spec.tier_points = read_ints<3>(table, file, rule, "tier_points", 1, kPointsMax);
  if (spec.kind == RuleKind::broker_chain) spec.chain_bps = read_ints<4>(table, file, rule, "chain_bps", 4, kRateBpsMax);
  if (spec.kind == RuleKind::two_sided && spec.parts[0].points == 0 && spec.parts[0].rate_bps == 0)
    fail(file, rule, "points", "a two_sided rule needs points or rate_bps");
  // The two parties of a two_sided award may sit on different shards, and a second award
  // of a once_per_account rule is rejected by the recipient's shard alone.
  if (spec.kind == RuleKind::two_sided && spec.cap_scope == CapScope::once_per_account)
    fail(file, rule, "cap_scope", "once_per_account is not supported for a two_sided rule; use per_event");

  spec.clause_zh = read_string(table, file, rule, "clause_zh");
  spec.clause_en = read_string(table, file, rule, "clause_en");
  return spec;
}

}  // namespace

std::string_view rule_name(RuleId id) {
  if (!RuleTable::valid(id)) return "unknown";
  return kRuleNames[static_cast<size_t>(id) - 1];
}

Points percent_points(int64_t base_fen, int64_t rate_bps) {
  constexpr Int128 kDivisor = 10'000 * 100;

  // Awards go through here on every settlement, so the common case avoids 128-bit division.
  int64_t product = 0;
  if (!__builtin_mul_overflow(base_fen, rate_bps, &product) && product >= 0) return product / static_cast<int64_t>(kDivisor);

  const Int128 points = static_cast<Int128>(base_fen) * rate_bps / kDivisor;
  if (points > std::numeric_limits<Points>::max() || points < 0) return -1;
  return static_cast<Points>(points);
}

RuleTable default_rules() {
  using K = RuleKind;
  using S = CapScope;
  using R = RuleId;
  RuleTable table;
  auto put = [&](RuleSpec spec) { table.rules[static_cast<size_t>(spec.id) - 1] = std::move(spec); };

  put(make(R::register_unit, K::fixed, S::once_per_account, {5'000, 0, 0}));
  put(make(R::daily_login, K::fixed, S::per_business_day, {50, 0, 0}));
  put(make(R::daily_publish, K::fixed, S::per_business_day, {200, 0, 0}));
  RuleSpec branch = make(R::branch_center, K::tiered, S::per_event, {0, 0, 1'000'000});
  branch.tier_points = {1'000'000, 500'000, 0};
  put(branch);
  put(make(R::challenge_project, K::fixed, S::per_event, {50'000, 0, 50'000}));
  put(make(R::contract_rnd, K::percent, S::per_event, {0, 500, 100'000}));
  put(make(R::scientist_team, K::fixed, S::per_event, {300'000, 0, 300'000}));
  put(make(R::release_event, K::fixed, S::per_event, {50'000, 0, 50'000}));
  RuleSpec startup = make(R::startup_revenue, K::percent, S::per_event, {0, 500, 500'000});
  startup.min_base_fen = 20'000'000;
  put(startup);
  put(make(R::landing_signed, K::percent, S::per_event, {0, 1'000, 500'000}));
  put(make(R::landing_built, K::percent, S::per_event, {0, 2'000, 1'500'000}));
  put(make(R::park_attraction, K::percent, S::per_event, {0, 1'000, 500'000}));
  put(make(R::incubation_team, K::two_sided, S::per_event, {10'000, 0, 10'000}, {10'000, 0, 10'000}));
  put(make(R::incubation_sme, K::two_sided, S::per_event, {20'000, 0, 20'000}, {20'000, 0, 20'000}));
  put(make(R::incubation_hitech, K::two_sided, S::per_event, {30'000, 0, 30'000}, {30'000, 0, 30'000}));
  put(make(R::accelerator_growth, K::two_sided, S::per_event, {1'000'000, 0, 1'000'000}, {1'000'000, 0, 1'000'000}));
  put(make(R::evaluation, K::percent, S::per_account_per_year, {0, 500, 500'000}));
  put(make(R::trade, K::two_sided, S::none, {0, 200, 0}, {0, 200, 0}));
  put(make(R::transfer_institution, K::fixed, S::once_per_account, {1'000'000, 0, 0}));
  RuleSpec chain = make(R::broker_chain, K::broker_chain, S::none, {});
  chain.chain_bps = {300, 200, 100, 100};
  put(chain);
  RuleSpec college = make(R::transfer_college, K::per_unit, S::once_per_account, {1'000'000, 0, 0});
  college.unit_points = 10'000;
  put(college);
  RuleSpec title = make(R::broker_title, K::tiered, S::per_event, {0, 0, 10'000});
  title.tier_points = {2'000, 5'000, 10'000};
  put(title);
  put(make(R::pilot_service, K::percent, S::per_account_per_year, {0, 500, 500'000}));
  put(make(R::instrument_sharing, K::two_sided, S::per_account_per_year, {0, 1'000, 300'000}, {0, 500, 200'000}));
  put(make(R::seed_investment, K::percent, S::per_event, {0, 200, 300'000}));
  put(make(R::sme_investment, K::percent, S::per_event, {0, 100, 200'000}));
  put(make(R::finance_ranking, K::fixed, S::per_event, {300'000, 0, 300'000}));
  put(make(R::ip_service, K::two_sided, S::per_account_per_year, {0, 500, 200'000}, {0, 300, 100'000}));
  return table;
}

RuleTable load_rules(const std::filesystem::path& toml_file) {
  toml::table root;
  try {
    root = toml::parse_file(toml_file.string());
  } catch (const toml::parse_error& error) {
    throw std::runtime_error("rules file " + toml_file.string() + ": parse error at line " +
                             std::to_string(error.source().begin.line) + ": " + std::string(error.description()));
  }

  for (const auto& [key, node] : root) {
    bool known = false;
    for (const auto name : kRuleNames) known = known || name == key.str();
    if (!known) fail(toml_file, key.str(), "", "unknown rule; the rule ids are those of docs/rules.md");
    if (!node.is_table()) fail(toml_file, key.str(), "", "must be a table");
  }

  RuleTable table;
  for (size_t i = 0; i < kRuleCount; ++i) {
    const auto id = static_cast<RuleId>(i + 1);
    const toml::table* rule = root.get_as<toml::table>(kRuleNames[i]);
    if (rule == nullptr) fail(toml_file, kRuleNames[i], "", "missing rule");
    table.rules[i] = parse_rule(id, *rule, toml_file);
  }
  logger("ledger")->info("rules_loaded: file={} rules={}", toml_file.string(), kRuleCount);
  return table;
}

}  // namespace jubian::ledger
