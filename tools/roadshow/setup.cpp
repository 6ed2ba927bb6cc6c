#include "tools/roadshow/setup.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <deque>
#include <span>
#include <thread>

#include "engine/auction/auctions.hpp"

namespace jubian::roadshow {

namespace {

using Clock = std::chrono::steady_clock;
using auction::LotFormat;

constexpr size_t kPipelineWindow = 512;  // below the gateway's default in_flight_max of 1024
constexpr size_t kNotesMax = 10;
constexpr CategoryId kCategory{101};
constexpr int64_t kTradeRateBps = 200;                       // trade rule: 2% to each side
constexpr std::array<int64_t, 4> kBrokerChainBps = {300, 200, 100, 100};
constexpr int64_t kPercentDenominator = 10'000 * 100;        // bps of fen -> whole points

// Sends commands with at most kPipelineWindow unanswered and calls on_reply(index, response)
// for each, in order.
template <class OnReply>
void call_pipelined(api::Client& client, std::span<const Command> commands, OnReply&& on_reply) {
  std::deque<std::pair<size_t, uint64_t>> in_flight;
  for (size_t i = 0; i < commands.size(); ++i) {
    in_flight.emplace_back(i, client.send(commands[i]));
    if (in_flight.size() < kPipelineWindow) continue;
    const auto [index, request] = in_flight.front();
    in_flight.pop_front();
    on_reply(index, client.await(request));
  }
  while (!in_flight.empty()) {
    const auto [index, request] = in_flight.front();
    in_flight.pop_front();
    on_reply(index, client.await(request));
  }
}

void note(std::vector<std::string>& notes, std::string text) {
  if (notes.size() < kNotesMax) notes.push_back(std::move(text));
}

// Runs commands and records their time, count and the first rejections.
void run_setup(api::Client& client, const std::vector<Command>& commands, SetupResult& result,
               const std::function<void(const Command&, const Reply&)>& on_ok) {
  const auto started = Clock::now();
  call_pipelined(client, commands, [&](size_t index, const protocol::ResponseMessage& response) {
    const Reply& reply = response.reply;
    if (reply.time_ns > result.last_time_ns) {
      result.last_time_ns = reply.time_ns;
      result.last_reply_at = Clock::now();
    }
    if (reply.code != ResultCode::ok) {
      note(result.errors, fmt::format("{} for account {} rejected: code={}", commands[index].name(),
                                      commands[index].actor.value, code_number(reply.code)));
      return;
    }
    if (on_ok) on_ok(commands[index], reply);
  });
  result.commands += commands.size();
  result.seconds += std::chrono::duration<double>(Clock::now() - started).count();
}

ledger::UnitKind bidder_kind(uint32_t index) {
  return index % 4 == 0 ? ledger::UnitKind::investor : ledger::UnitKind::enterprise;
}

}  // namespace

void open_sessions(Sessions& sessions, const Options& options) {
  sessions.admin.connect(options.host, options.port);
  sessions.admin.login(options.admin_token);
  sessions.trader.connect(options.host, options.port);
  sessions.trader.login(options.trader_token);
}

void reopen_sessions(Sessions& sessions, const Options& options) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(options.reconnect_timeout_s * 1000));
  while (true) {
    try {
      sessions.admin.close();
      sessions.trader.close();
      open_sessions(sessions, options);
      return;
    } catch (const api::ClientError&) {
      if (Clock::now() >= deadline) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

void register_accounts(Sessions& sessions, const Plan& plan, SetupResult& result) {
  const Options& options = plan.options;
  auto command = [&](auto body) { return Command{AccountId{}, RequestId{sessions.next_request++}, body}; };
  using ledger::UnitKind;

  std::vector<Command> units;
  units.push_back(command(ledger::RegisterUnit{AccountId{kBrokerOrg}, UnitKind::broker_org}));
  units.push_back(command(ledger::RegisterUnit{AccountId{kServiceInstitution}, UnitKind::service_institution}));
  units.push_back(command(ledger::RegisterUnit{AccountId{kTrainingBase}, UnitKind::training_base}));
  units.push_back(command(ledger::RegisterUnit{AccountId{kCultivationBase}, UnitKind::other}));
  for (uint32_t i = 0; i < seller_count(options.lots); ++i) {
    const auto kind = i % 2 == 0 ? UnitKind::university : UnitKind::institute;
    units.push_back(command(ledger::RegisterUnit{AccountId{kSellerBase + i}, kind}));
  }
  for (uint32_t b = 0; b < options.bidders; ++b) {
    if (!bidder_is_individual(b)) units.push_back(command(ledger::RegisterUnit{bidder_account(b), bidder_kind(b)}));
  }
  run_setup(sessions.admin, units, result, [&](const Command& sent, const Reply& reply) {
    result.points[std::get<ledger::RegisterUnit>(sent.body).account.value] += reply.values[0];
  });

  std::vector<Command> people;
  for (uint32_t i = 0; i < kBrokers; ++i) {
    people.push_back(command(ledger::RegisterBroker{AccountId{kBrokerBase + i}, AccountId{kBrokerOrg},
                                                    AccountId{kServiceInstitution}, AccountId{kTrainingBase},
                                                    AccountId{kCultivationBase}, ledger::TitleLevel::junior}));
  }
  for (uint32_t b = 0; b < options.bidders; ++b) {
    if (bidder_is_individual(b)) people.push_back(command(ledger::RegisterIndividual{bidder_account(b), bidder_holder(b)}));
  }
  // A broker's first title pays broker_title to its employer; individuals earn nothing here.
  run_setup(sessions.admin, people, result, [&](const Command& sent, const Reply& reply) {
    if (std::holds_alternative<ledger::RegisterBroker>(sent.body)) result.points[kBrokerOrg] += reply.values[0];
  });
}

namespace {

auction::LotCreate make_lot_create(const LotPlan& lot, TimeNs start_ns, TimeNs window_ns) {
  auction::LotCreate create;
  create.lot = lot.lot;
  create.format = lot.format;
  create.category = kCategory;
  create.mode = lot.quantity == 1 ? mode_transfer : mode_license;
  create.quantity = lot.quantity;
  create.start_price = kStartPriceFen;
  create.reserve_price = lot.reserve_price;
  create.increment = kIncrementFen;
  create.cap_price = lot.cap_price;
  create.start_ns = start_ns;
  create.seller_broker = lot.seller_broker;

  // The timed phase restarts at each accepted bid, so an English lot ends one countdown
  // after its last accepted bid.
  const TimeNs countdown = std::max<TimeNs>(window_ns / 10, 1'000'000'000);
  switch (lot.format) {
    case LotFormat::english:
      create.end_ns = start_ns + window_ns * 8 / 10;
      create.countdown_ns = countdown;
      break;
    case LotFormat::dutch:
      create.start_price = 2 * kStartPriceFen;
      create.dutch_step = 5 * kIncrementFen;
      create.dutch_interval_ns = window_ns / 40;
      create.dutch_floor = kStartPriceFen / 2;
      create.end_ns = start_ns + window_ns;
      break;
    case LotFormat::listing:
      create.notice_ns = window_ns * 3 / 10;
      create.auction_free_ns = window_ns * 5 / 10;
      create.countdown_ns = countdown;
      break;
    default:
      create.end_ns = start_ns + window_ns;
      break;
  }
  return create;
}

}  // namespace

void list_lots(Sessions& sessions, const Plan& plan, TimeNs start_ns, SetupResult& result) {
  const auto window_ns = static_cast<TimeNs>(plan.options.duration_s * 1e9);
  std::vector<Command> creates;
  for (const LotPlan& lot : plan.lots)
    creates.push_back(Command{lot.seller, RequestId{sessions.next_request++}, make_lot_create(lot, start_ns, window_ns)});
  run_setup(sessions.trader, creates, result, nullptr);

  std::vector<Command> qualifications;
  for (const LotPlan& lot : plan.lots) {
    for (const uint32_t bidder : lot.bidders)
      qualifications.push_back(
          Command{AccountId{}, RequestId{sessions.next_request++}, auction::LotQualify{lot.lot, bidder_account(bidder)}});
  }
  run_setup(sessions.admin, qualifications, result, nullptr);
}

// ---------------------------------------------------------------------------------------
// Final checks

namespace {

// Compares what lot_status reports with what the engine acknowledged. A bid whose
// connection dropped before its response may or may not have been accepted, so it widens
// the range that the reported count may fall in.
void check_lot(const LotPlan& lot, const LotTally& tally, const LotFinal& final, CheckResult& check) {
  const bool listing_auction = lot.format == LotFormat::listing && final.bids != 0 && tally.accepted != 0;
  uint64_t acknowledged = tally.accepted;
  if (lot.format == LotFormat::listing && !listing_auction) acknowledged = tally.intents_accepted;
  const auto reported = static_cast<uint64_t>(final.bids);

  if (lot.format == LotFormat::dutch) {
    if (tally.accepted > 1) note(check.notes, fmt::format("lot {}: {} Dutch accepts answered ok", lot.lot.value, tally.accepted));
    if (tally.accepted == 1 && final.final_price != tally.dutch_price) {
      ++check.price_mismatches;
      note(check.notes, fmt::format("lot {}: Dutch price {} but accepted at {}", lot.lot.value, final.final_price, tally.dutch_price));
    }
    return;
  }
  if (reported < acknowledged) {
    check.bids_missing += acknowledged - reported;
    note(check.notes, fmt::format("lot {}: {} accepted bids acknowledged, lot_status counts {}", lot.lot.value, acknowledged, reported));
  } else if (reported > acknowledged + tally.unanswered) {
    note(check.notes, fmt::format("lot {}: lot_status counts {} bids, more than {} acknowledged and {} unanswered",
                                  lot.lot.value, reported, acknowledged, tally.unanswered));
  }
  const bool ascending = lot.format == LotFormat::english || listing_auction;
  if (ascending && final.result == "sold" && tally.unanswered == 0 && final.final_price != tally.high) {
    ++check.price_mismatches;
    note(check.notes, fmt::format("lot {}: final price {} but the highest accepted bid left the high at {}", lot.lot.value,
                                  final.final_price, tally.high));
  }
}

void read_lots(Sessions& sessions, const Plan& plan, const LoadStats& load, CheckResult& check) {
  std::vector<Command> queries;
  for (const LotPlan& lot : plan.lots)
    queries.push_back(Command{AccountId{}, RequestId{sessions.next_request++}, auction::LotStatus{lot.lot}});
  check.lots.resize(plan.lots.size());

  call_pipelined(sessions.admin, queries, [&](size_t index, const protocol::ResponseMessage& response) {
    LotFinal& final = check.lots[index];
    if (response.reply.code != ResultCode::ok) {
      note(check.notes, fmt::format("lot_status {} rejected: code={}", plan.lots[index].lot.value, code_number(response.reply.code)));
      return;
    }
    const auto json = nlohmann::json::parse(response.detail);
    final.format = json.at("format").get<std::string>();
    final.result = json.at("result").get<std::string>();
    final.bids = json.at("bids").get<int64_t>();
    final.final_price = json.at("final_price").get<int64_t>();
    final.trade = json.at("trade").get<uint64_t>();
    if (final.result == "sold") ++check.lots_sold;
    else if (final.result == "no_sale") ++check.lots_no_sale;
    else ++check.lots_open;
    check_lot(plan.lots[index], load.lots[index], final, check);
  });
}

// Counts, for every screen that kept reading, each lot whose lot_result it did not see
// or saw with another price than lot_status reports.
void check_screens(const Plan& plan, const LoadStats& load, CheckResult& check) {
  for (size_t s = 0; s < load.screens.size(); ++s) {
    const ScreenRecord& screen = load.screens[s];
    if (screen.stalled) continue;
    if (screen.closed_by_server) {
      ++check.screens_disconnected;
      note(check.notes, fmt::format("screen {}: closed by the server, results not checked", s));
      continue;
    }
    for (size_t i = 0; i < plan.lots.size(); ++i) {
      const auto& seen = screen.results[i];
      const bool matches = seen && (check.lots[i].result != "sold" || seen->price == check.lots[i].final_price);
      if (matches) continue;
      ++check.screens_missing_final;
      note(check.notes, fmt::format("screen {}: lot {} final price {}", s, plan.lots[i].lot.value,
                                    seen ? fmt::format("differs ({})", seen->price) : std::string("missing")));
    }
  }
}

// The winner's full account id comes from a lot_result event, because lot_status masks it.
std::optional<AccountId> winner_of(const LoadStats& load, size_t lot_index) {
  for (const ScreenRecord& screen : load.screens) {
    if (screen.results[lot_index] && screen.results[lot_index]->result == static_cast<uint16_t>(auction::LotResult::sold))
      return screen.results[lot_index]->winner;
  }
  return std::nullopt;
}

AccountId holder_of(AccountId account) {
  if (account.value >= kBidderBase) return bidder_holder(static_cast<uint32_t>(account.value - kBidderBase));
  if (account.value >= kBrokerBase && account.value < kBrokerBase + kBrokers) return AccountId{kBrokerOrg};
  return account;
}

// Expected balances: setup and login awards as the engine reported them, plus the trade
// and broker_chain awards that the policy gives for each sold lot.
std::map<uint64_t, int64_t> expected_points(const Plan& plan, const SetupResult& setup, const LoadStats& load,
                                            CheckResult& check) {
  std::map<uint64_t, int64_t> expected = setup.points;
  for (const auto& [holder, points] : load.login_points) expected[holder] += points;
  for (size_t i = 0; i < plan.lots.size(); ++i) {
    const LotFinal& final = check.lots[i];
    if (final.result != "sold") continue;
    const auto winner = winner_of(load, i);
    if (!winner) {
      note(check.notes, fmt::format("lot {}: sold, but no screen saw its winner; ledger not checked", plan.lots[i].lot.value));
      check.ledger_skipped = true;
      continue;
    }
    const int64_t amount = final.final_price * plan.lots[i].quantity;
    const int64_t side = amount * kTradeRateBps / kPercentDenominator;
    expected[holder_of(*winner).value] += side;
    expected[plan.lots[i].seller.value] += side;
    if (plan.lots[i].seller_broker.value == 0) continue;
    const std::array<uint64_t, 4> chain = {kBrokerOrg, kServiceInstitution, kTrainingBase, kCultivationBase};
    for (size_t k = 0; k < chain.size(); ++k) expected[chain[k]] += amount * kBrokerChainBps[k] / kPercentDenominator;
  }
  return expected;
}

void check_ledger(Sessions& sessions, const Plan& plan, const SetupResult& setup, const LoadStats& load, CheckResult& check) {
  const auto expected = expected_points(plan, setup, load, check);
  if (check.ledger_skipped) return;
  std::vector<Command> reports;
  std::vector<int64_t> wanted;
  for (const auto& [holder, points] : expected) {
    reports.push_back(Command{AccountId{holder}, RequestId{sessions.next_request++}, ledger::AccountReport{}});
    wanted.push_back(points);
  }
  call_pipelined(sessions.trader, reports, [&](size_t index, const protocol::ResponseMessage& response) {
    ++check.ledger_accounts_checked;
    const int64_t balance = response.reply.values[0];
    if (response.reply.code == ResultCode::ok && balance == wanted[index]) return;
    ++check.ledger_mismatches;
    note(check.notes, fmt::format("account {}: balance {} (code {}), policy gives {}", reports[index].actor.value, balance,
                                  code_number(response.reply.code), wanted[index]));
  });
}

}  // namespace

CheckResult check_final_state(Sessions& sessions, const Plan& plan, const SetupResult& setup, const LoadStats& load) {
  CheckResult check;
  read_lots(sessions, plan, load, check);
  check_screens(plan, load, check);
  check_ledger(sessions, plan, setup, load, check);
  return check;
}

}  // namespace jubian::roadshow
