#include "scenario_driver.hpp"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>


namespace jubian::market::testing {

namespace {

std::string removal_name(uint16_t reason) {
  switch (static_cast<RemovalReason>(reason)) {
    case RemovalReason::filled: return "filled";
    case RemovalReason::cancelled: return "cancelled";
    case RemovalReason::expired: return "expired";
    case RemovalReason::amended_out: return "amended_out";
    case RemovalReason::requeued: return "requeued";
  }
  return fmt::format("reason_{}", reason);
}

std::string outcome_name(int64_t outcome) {
  switch (static_cast<ListingOutcome>(outcome)) {
    case ListingOutcome::open_or_filled: return "";
    case ListingOutcome::ioc_remainder_cancelled: return " outcome=ioc_remainder_cancelled";
    case ListingOutcome::self_trade_cancelled: return " outcome=self_trade_cancelled";
    case ListingOutcome::trades_limit_cancelled: return " outcome=trades_limit_cancelled";
    case ListingOutcome::amended_out: return " outcome=amended_out";
  }
  return fmt::format(" outcome={}", outcome);
}

std::string mode_name(uint8_t mode) {
  if (mode == mode_transfer) return "transfer";
  if (mode == mode_license) return "license";
  if (mode == mode_equity) return "equity";
  return fmt::format("mode_{}", mode);
}

uint8_t parse_modes(const std::string& letters) {
  uint8_t modes = 0;
  for (const char letter : letters) {
    if (letter == 'T') modes |= mode_transfer;
    else if (letter == 'L') modes |= mode_license;
    else if (letter == 'E') modes |= mode_equity;
    else if (letter != '-') throw std::runtime_error(fmt::format("unknown mode letter in {}", letters));
  }
  return modes;
}

TagSet parse_tags(const std::string& list) {
  TagSet tags{};
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    const unsigned bit = std::stoul(item);
    tags.at(bit / 64) |= uint64_t{1} << (bit % 64);
  }
  return tags;
}

}  // namespace

Context ScenarioDriver::next_context(AccountId actor) {
  events_.clear();
  trades_.clear();
  detail_.clear();
  Context ctx;
  ctx.stamp = Stamp{++seq_, now_};
  ctx.actor = actor;
  ctx.events = &events_;
  ctx.trades = &trades_;
  ctx.detail = &detail_;
  return ctx;
}

ListingId ScenarioDriver::id(const std::string& label) const {
  const auto found = ids_.find(label);
  return found == ids_.end() ? ListingId{0xDEAD'0000'0000ull} : found->second;
}

std::string ScenarioDriver::label(uint64_t listing_id) const {
  for (const auto& [name, id] : ids_)
    if (id.value == listing_id) return name;
  return fmt::format("#{}", listing_id);
}

std::vector<std::string> ScenarioDriver::run_add(std::istringstream& in) {
  std::string name, by, side, at;
  uint64_t owner = 0;
  ListingAdd add;
  in >> name >> by >> owner >> side >> add.quantity >> at >> add.price;

  add.side = Side{9};  // an invalid side unless the word is supply or demand
  if (side == "supply") add.side = Side::supply;
  if (side == "demand") add.side = Side::demand;
  add.category = CategoryId{101};
  add.modes = kModeMask;
  add.maturity = 5;
  add.client_listing_id = ListingId{next_client_++};

  for (std::string option; in >> option;) {
    const auto eq = option.find('=');
    const std::string key = option.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : option.substr(eq + 1);
    if (key == "cat") add.category = CategoryId{static_cast<uint32_t>(std::stoul(value))};
    else if (key == "modes") add.modes = parse_modes(value);
    else if (key == "tags") add.tags = parse_tags(value);
    else if (key == "trl") add.maturity = static_cast<uint8_t>(std::stoi(value));
    else if (key == "broker") add.broker = AccountId{std::stoull(value)};
    else if (key == "expiry") add.expiry_ns = std::stoll(value);
    else if (key == "client") add.client_listing_id = ListingId{std::stoull(value)};
    else if (key == "indicative") add.firmness = Firmness::indicative;
    else if (key == "ioc") add.time_in_force = TimeInForce::immediate_or_cancel;
    else throw std::runtime_error(fmt::format("unknown add option {}", option));
  }

  const Context ctx = next_context(AccountId{owner});
  const Reply reply = market_.apply(add, ctx);
  if (reply.code == ResultCode::ok) ids_[name] = ListingId{static_cast<uint64_t>(reply.values[0])};
  return render(reply, name, "listing");
}

std::vector<std::string> ScenarioDriver::run(const std::string& line) {
  std::istringstream in(line);
  std::string verb, name, word;
  uint64_t account = 0;
  in >> verb;
  if (verb == "add") return run_add(in);
  if (verb == "time") {
    in >> now_;
    return {};
  }
  if (verb == "tick") {
    in >> now_;
    market_.on_tick(next_context(kNoAccount));
    return render(Reply{ResultCode::ok, seq_, now_, {}}, "", "tick");
  }
  if (verb == "query") {
    uint32_t category = 0;
    BookQuery query;
    in >> category;
    query.category = CategoryId{category};
    if (in >> word && word.rfind("depth=", 0) == 0) query.depth = static_cast<uint32_t>(std::stoul(word.substr(6)));
    return render(market_.apply(query, next_context(kNoAccount)), "", "query");
  }
  if (verb == "report") {
    in >> word >> account;
    return render(market_.apply(BrokerReport{}, next_context(AccountId{account})), "", "query");
  }

  in >> name >> word >> account;
  if (verb == "cancel") return render(market_.apply(ListingCancel{id(name)}, next_context(AccountId{account})), name, "cancel");
  if (verb == "claim") return render(market_.apply(BrokerClaim{id(name)}, next_context(AccountId{account})), name, "plain");
  if (verb == "release") return render(market_.apply(BrokerRelease{id(name)}, next_context(AccountId{account})), name, "plain");
  if (verb == "reassign")
    return render(market_.apply(BrokerReassign{id(name), AccountId{account}}, next_context(kNoAccount)), name, "plain");
  if (verb == "amend") {
    ListingAmend amend{id(name), 0, 0};
    std::string at;
    in >> amend.quantity >> at >> amend.price;
    return render(market_.apply(amend, next_context(AccountId{account})), name, "listing");
  }
  throw std::runtime_error(fmt::format("unknown scenario command: {}", line));
}

std::vector<std::string> ScenarioDriver::render(const Reply& reply, const std::string& name, const std::string& kind) const {
  std::vector<std::string> lines;
  if (reply.code != ResultCode::ok) {
    lines.push_back(fmt::format("rejected {}", code_name(reply.code)));
    return lines;
  }
  if (kind == "listing")
    lines.push_back(fmt::format("ok id={} filled={} open={}{}", name, reply.values[1], reply.values[2],
                                outcome_name(reply.values[3])));
  else if (kind == "cancel") lines.push_back(fmt::format("ok filled={}", reply.values[1]));
  else if (kind != "tick") lines.push_back("ok");

  for (const Trade& t : trades_) {
    std::string line = fmt::format("trade buy={} sell={} qty={} price={} mode={} buyer={} seller={}", label(t.buy_listing.value),
                                   label(t.sell_listing.value), t.quantity, t.price, mode_name(t.mode), t.buyer.value, t.seller.value);
    if (t.buyer_broker != kNoAccount || t.seller_broker != kNoAccount)
      line += fmt::format(" buyer_broker={} seller_broker={}", t.buyer_broker.value, t.seller_broker.value);
    lines.push_back(line);
  }
  for (const Event& event : events_)
    if (event.type != EventType::trade) lines.push_back(render_event(event));
  if (!detail_.empty()) lines.push_back(fmt::format("detail {}", detail_));
  return lines;
}

std::string ScenarioDriver::render_event(const Event& e) const {
  const std::string subject = label(e.subject);
  switch (e.type) {
    case EventType::listing_added: return fmt::format("added {} open={} price={}", subject, e.quantity, e.price);
    case EventType::listing_changed:
      return fmt::format("changed {} open={} {}", subject, e.quantity,
                         e.reason == static_cast<uint16_t>(ChangeReason::amended) ? "amended" : "partly_filled");
    case EventType::listing_removed: return fmt::format("removed {} {}", subject, removal_name(e.reason));
    case EventType::proposal:
      return fmt::format("proposal to={} mine={} theirs={} rank={} price={} qty={}", e.account.value, subject,
                         label(static_cast<uint64_t>(e.aux)), e.reason, e.price, e.quantity);
    case EventType::broker_claim: {
      static constexpr const char* kChanges[] = {"?", "claimed", "released", "reassigned"};
      return fmt::format("broker {} {} account={} previous={}", subject, kChanges[e.reason < 4 ? e.reason : 0],
                         e.account.value, e.aux);
    }
    default: return fmt::format("event type={}", static_cast<int>(e.type));
  }
}

std::vector<std::string> run_scenario_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {fmt::format("cannot read {}", path)};
  const std::vector<uint32_t> categories{101, 102, 103, 201};
  MarketConfig config;
  config.listings_max = 1024;
  config.proposals_top_k = 2;
  config.broker_trades_kept = 4;
  Market market(config, categories);
  ScenarioDriver driver(market);

  std::vector<std::string> failures;
  std::string line, command;
  std::vector<std::string> expected;
  size_t command_line = 0, number = 0;
  const auto check = [&]() {
    if (command.empty()) return;
    const std::vector<std::string> actual = driver.run(command);
    if (actual == expected) return;
    std::string message = fmt::format("{}:{}: > {}\n  expected:\n", path, command_line, command);
    for (const auto& e : expected) message += fmt::format("    {}\n", e);
    message += "  actual:\n";
    for (const auto& a : actual) message += fmt::format("    {}\n", a);
    failures.push_back(message);
  };
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("> ", 0) == 0) {
      check();
      command = line.substr(2);
      command_line = number;
      expected.clear();
    } else {
      expected.push_back(line);
    }
  }
  check();
  return failures;
}

}  // namespace jubian::market::testing
