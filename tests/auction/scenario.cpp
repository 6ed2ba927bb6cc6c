// cmake-link: jubian_auction
#include "tests/auction/scenario.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <tuple>

#include "engine/auction/auctions.hpp"
#include "engine/common/codec.hpp"
#include "engine/common/result.hpp"

namespace jubian::auction::testing {

namespace {

using Fields = std::map<std::string, std::string>;
using Symbols = std::vector<std::pair<std::string_view, int64_t>>;

const Symbols kFormats = {{"english", 1}, {"dutch", 2}, {"sealed_first", 3}, {"sealed_second", 4},
                          {"listing", 5}, {"inquiry", 6}, {"agreement", 7}};
const Symbols kModes = {{"transfer", mode_transfer}, {"license", mode_license}, {"equity", mode_equity}};
const Symbols kResolutions = {{"uphold", 1}, {"dismiss", 2}};
const Symbols kDiscovery = {{"matching", 1}, {"listing", 2}, {"auction", 3}, {"inquiry", 4},
                            {"agreement", 5}, {"dutch", 6}, {"sealed", 7}};
const Symbols kPhases = {{"pending", 0}, {"notice", 1}, {"free", 2}, {"timed", 3},
                         {"open", 4}, {"awaiting", 5}, {"suspended", 6}, {"closed", 7}};
const Symbols kResults = {{"none", 0}, {"sold", 1}, {"no_sale", 2}, {"cancelled", 3}};
const Symbols kBidReasons = {{"direct", 0}, {"proxy", 1}, {"sealed", 2}, {"intent", 3}, {"quote", 4}, {"objection", 5}};
const Symbols kEventTypes = {{"lot_created", 20}, {"lot_bid", 21}, {"lot_phase", 22},
                             {"lot_extended", 23}, {"lot_countdown", 24}, {"lot_result", 25}};

std::optional<int64_t> lookup(const Symbols& symbols, std::string_view name) {
  for (const auto& [symbol, value] : symbols) {
    if (symbol == name) return value;
  }
  return std::nullopt;
}

// The symbol table a key reads; for "reason" it depends on the event type.
const Symbols* symbols_for(std::string_view key, int64_t event_type) {
  if (key == "format") return &kFormats;
  if (key == "mode") return &kModes;
  if (key == "resolution") return &kResolutions;
  if (key == "discovery") return &kDiscovery;
  if (key == "type") return &kEventTypes;
  if (key == "phase") return &kPhases;
  if (key != "reason") return nullptr;
  if (event_type == 22) return &kPhases;
  if (event_type == 25) return &kResults;
  if (event_type == 21) return &kBidReasons;
  if (event_type == 20) return &kFormats;
  return nullptr;
}

int64_t unit_of(std::string_view unit, bool& ok) {
  if (unit.empty() || unit == "ns") return 1;
  if (unit == "us") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m") return 60'000'000'000;
  if (unit == "h") return 3'600'000'000'000;
  if (unit == "d") return 86'400'000'000'000;
  ok = false;
  return 0;
}

// A sum of terms such as "600s-1ns" or "-3"; ok turns false on anything else.
int64_t parse_number(std::string_view text, bool& ok) {
  ok = !text.empty();
  int64_t total = 0;
  size_t i = 0;
  while (ok && i < text.size()) {
    int64_t sign = 1;
    if (text[i] == '+' || text[i] == '-') sign = text[i++] == '-' ? -1 : 1;
    const size_t digits_start = i;
    int64_t magnitude = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) magnitude = magnitude * 10 + (text[i++] - '0');
    const size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    if (i == digits_start || unit_start == digits_start) ok = false;
    total += sign * magnitude * unit_of(text.substr(unit_start, i - unit_start), ok);
  }
  return total;
}

std::optional<int64_t> parse_value(std::string_view key, std::string_view value, int64_t event_type) {
  if (const Symbols* symbols = symbols_for(key, event_type)) {
    if (auto symbol = lookup(*symbols, value)) return symbol;
  }
  bool ok = false;
  const int64_t number = parse_number(value, ok);
  return ok ? std::optional<int64_t>(number) : std::nullopt;
}

std::vector<std::string> split(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> tokens;
  for (std::string token; in >> token;) tokens.push_back(token);
  return tokens;
}

// Splits key=value tokens into a map; returns the first token that is not one.
std::optional<std::string> read_fields(const std::vector<std::string>& tokens, size_t from, size_t to, Fields& out) {
  for (size_t i = from; i < to; ++i) {
    const auto eq = tokens[i].find('=');
    if (eq == std::string::npos || eq == 0) return tokens[i];
    out[tokens[i].substr(0, eq)] = tokens[i].substr(eq + 1);
  }
  return std::nullopt;
}

// Fills a command's fields from key=value pairs through its visit().
struct FieldSetter {
  const Fields& fields;
  std::vector<std::string> errors;
  size_t used = 0;

  template <class T>
  void operator()(const char* name, T& field) {
    const auto it = fields.find(name);
    if (it == fields.end()) return;
    ++used;
    const auto value = parse_value(it->first, it->second, 0);
    if (!value) return errors.push_back(fmt::format("invalid value {}={}", it->first, it->second));
    if constexpr (codec::is_strong<T>::value) {
      field.value = static_cast<decltype(field.value)>(*value);
    } else {
      field = static_cast<T>(*value);
    }
  }
};

// Reads a message's fields as integers, by name.
struct FieldReader {
  std::map<std::string, int64_t> values;

  template <class T>
  void operator()(const char* name, const T& field) {
    if constexpr (codec::is_strong<T>::value) {
      values[name] = static_cast<int64_t>(field.value);
    } else if constexpr (!codec::is_word_array<T>::value) {
      values[name] = static_cast<int64_t>(field);
    }
  }
};

template <class Message>
std::map<std::string, int64_t> read_message(Message message) {
  FieldReader reader;
  message.visit(reader);
  return reader.values;
}

struct StepOutput {
  Reply reply;
  std::vector<Event> events;
  std::vector<Trade> trades;
  std::string detail;
};

// The code's stable name. The auction library alone does not link engine/core, so the
// common codes this subsystem returns are named here.
std::string code_text(ResultCode code) {
  if (code == ResultCode::ok) return "ok";
  if (code == ResultCode::malformed) return "malformed";
  return std::string(code_name(code));
}

Digest state_hash(const Auctions& auctions) {
  Sha256 sha;
  auctions.hash(sha);
  return sha.finish();
}

}  // namespace

namespace {

class Runner {
 public:
  Runner(std::string path, bool reload) : path_(std::move(path)), reload_(reload) {}

  ScenarioOutcome run();

 private:
  void fail(int line, const std::string& what) { outcome_.failures.push_back(fmt::format("{}:{}: {}", path_, line, what)); }
  void statement(int line, const std::vector<std::string>& tokens);
  void step(int line, const std::vector<std::string>& tokens);
  bool execute(int line, const std::string& name, AccountId actor, const Fields& fields, StepOutput& out);
  void expect(int line, const std::vector<std::string>& tokens);
  void check_list(int line, std::string_view what, size_t expected, size_t actual);
  void check_fields(int line, std::string_view what, const Fields& fields, const std::map<std::string, int64_t>& actual,
                    int64_t event_type);
  void check_json(int line, const Fields& fields);
  void finish_expectations(int line);

  std::string path_;
  bool reload_;
  ScenarioOutcome outcome_;
  AuctionConfig config_;
  std::unique_ptr<Auctions> auctions_;
  std::map<std::string, Fields> defaults_;
  TimeNs now_ = 0;
  Seq seq_ = 0;
  StepOutput last_;
  int last_line_ = 0;
  size_t events_listed_ = 0, trades_listed_ = 0;
  bool events_checked_ = false, trades_checked_ = false;
};

ScenarioOutcome Runner::run() {
  std::ifstream in(path_);
  if (!in) {
    fail(0, "cannot open the scenario file");
    return outcome_;
  }
  int line_number = 0;
  for (std::string text; std::getline(in, text);) {
    ++line_number;
    const auto hash_mark = text.find('#');
    if (hash_mark != std::string::npos) text.resize(hash_mark);
    const auto tokens = split(text);
    if (tokens.empty()) continue;
    const bool indented = text[0] == ' ' || text[0] == '\t';
    if (indented) {
      expect(line_number, tokens);
    } else {
      finish_expectations(line_number);
      statement(line_number, tokens);
    }
  }
  finish_expectations(line_number);
  return outcome_;
}

void Runner::statement(int line, const std::vector<std::string>& tokens) {
  if (tokens[0] == "config") {
    Fields fields;
    if (auto bad = read_fields(tokens, 1, tokens.size(), fields)) return fail(line, "invalid config token " + *bad);
    for (const auto& [key, value] : fields) {
      bool ok = false;
      const auto number = static_cast<uint32_t>(parse_number(value, ok));
      if (key == "lots_max") config_.lots_max = number;
      else if (key == "bids_per_lot_max") config_.bids_per_lot_max = number;
      else if (key == "qualifications_max") config_.qualifications_max = number;
      else ok = false;
      if (!ok) fail(line, "invalid config field " + key);
    }
    return;
  }
  if (tokens[0] == "default") {
    if (tokens.size() < 2) return fail(line, "default needs a command name");
    if (auto bad = read_fields(tokens, 2, tokens.size(), defaults_[tokens[1]])) fail(line, "invalid default token " + *bad);
    return;
  }
  if (tokens[0] == "@") {
    bool ok = false;
    if (tokens.size() != 2 || (now_ = parse_number(tokens[1], ok), !ok)) fail(line, "invalid time");
    return;
  }
  step(line, tokens);
}

void Runner::step(int line, const std::vector<std::string>& tokens) {
  if (!auctions_) auctions_ = std::make_unique<Auctions>(config_);
  if (reload_) {
    std::vector<uint8_t> bytes;
    auctions_->save(bytes);
    auto restored = std::make_unique<Auctions>(config_);
    if (!restored->load(bytes)) fail(line, "load() rejected the snapshot that save() wrote");
    auctions_ = std::move(restored);
  }
  const Digest before = state_hash(*auctions_);

  size_t arrow = tokens.size();
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] == "->") arrow = i;
  }
  const bool tick = tokens[0] == "tick";
  const size_t first_field = tick ? 1 : 2;
  if (!tick && tokens.size() < 2) return fail(line, "a step needs an actor and a command");

  Fields fields;
  if (!tick) fields = defaults_[tokens[1]];
  if (auto bad = read_fields(tokens, first_field, arrow, fields)) return fail(line, "invalid field token " + *bad);
  bool ok = true;
  const AccountId actor{tick ? 0 : static_cast<uint64_t>(parse_number(tokens[0], ok))};
  if (!ok) return fail(line, "invalid actor " + tokens[0]);

  last_ = StepOutput{};
  last_line_ = line;
  ++outcome_.steps;
  if (!execute(line, tick ? "tick" : tokens[1], actor, fields, last_)) return;
  const Digest after = state_hash(*auctions_);
  outcome_.step_hashes.push_back(after);

  const std::string expected_code = arrow + 1 < tokens.size() ? tokens[arrow + 1] : "ok";
  const std::string actual_code = code_text(last_.reply.code);
  if (actual_code != expected_code) fail(line, fmt::format("expected {}, got {}", expected_code, actual_code));
  if (last_.reply.code != ResultCode::ok) {
    if (after != before) fail(line, "a rejected command changed the state hash");
    if (!last_.events.empty() || !last_.trades.empty()) fail(line, "a rejected command emitted events or trades");
  }

  Fields values;
  if (arrow + 2 < tokens.size()) {
    if (auto bad = read_fields(tokens, arrow + 2, tokens.size(), values)) return fail(line, "invalid reply token " + *bad);
  }
  std::map<std::string, int64_t> actual_values;
  for (size_t i = 0; i < 4; ++i) actual_values[fmt::format("v{}", i)] = last_.reply.values[i];
  check_fields(line, "reply", values, actual_values, 0);
}

bool Runner::execute(int line, const std::string& name, AccountId actor, const Fields& fields, StepOutput& out) {
  Context ctx;
  ctx.stamp = Stamp{++seq_, now_};
  ctx.actor = actor;
  ctx.events = &out.events;
  ctx.trades = &out.trades;
  ctx.detail = &out.detail;
  if (name == "tick") {
    auctions_->on_tick(ctx);
    return true;
  }

  bool found = false;
  auto try_command = [&](auto sample) {
    using T = decltype(sample);
    if (T::kName != name) return;
    found = true;
    T command{};
    FieldSetter setter{fields, {}, 0};
    command.visit(setter);
    for (const auto& error : setter.errors) fail(line, error);
    if (setter.used != fields.size()) fail(line, "a field name is not one of " + std::string(T::kName) + "'s fields");
    out.reply = auctions_->apply(command, ctx);
  };
  std::apply([&](auto... samples) { (try_command(samples), ...); }, Commands{});
  if (!found) fail(line, "unknown command " + name);
  return found;
}

void Runner::expect(int line, const std::vector<std::string>& tokens) {
  if (last_line_ == 0) return fail(line, "an expectation before any step");
  const std::string& kind = tokens[0];
  if (kind == "no" && tokens.size() == 2 && tokens[1] == "events") {
    events_checked_ = true;
    return;
  }
  if (kind == "no" && tokens.size() == 2 && tokens[1] == "trades") {
    trades_checked_ = true;
    return;
  }

  Fields fields;
  const size_t first = kind == "event" ? 2 : 1;
  if (kind == "event" && tokens.size() < 2) return fail(line, "event needs a type");
  if (auto bad = read_fields(tokens, first, tokens.size(), fields)) return fail(line, "invalid expectation token " + *bad);

  if (kind == "event") {
    events_checked_ = true;
    const auto type = lookup(kEventTypes, tokens[1]);
    if (!type) return fail(line, "unknown event type " + tokens[1]);
    const size_t index = events_listed_++;
    if (index >= last_.events.size()) return;
    fields["type"] = tokens[1];
    check_fields(line, fmt::format("event {}", index), fields, read_message(last_.events[index]), *type);
  } else if (kind == "trade") {
    trades_checked_ = true;
    const size_t index = trades_listed_++;
    if (index >= last_.trades.size()) return;
    check_fields(line, fmt::format("trade {}", index), fields, read_message(last_.trades[index]), 0);
  } else if (kind == "json") {
    check_json(line, fields);
  } else {
    fail(line, "unknown expectation " + kind);
  }
}

void Runner::finish_expectations(int line) {
  if (events_checked_) check_list(last_line_ != 0 ? last_line_ : line, "events", events_listed_, last_.events.size());
  if (trades_checked_) check_list(last_line_ != 0 ? last_line_ : line, "trades", trades_listed_, last_.trades.size());
  events_listed_ = trades_listed_ = 0;
  events_checked_ = trades_checked_ = false;
}

void Runner::check_list(int line, std::string_view what, size_t expected, size_t actual) {
  if (expected != actual) fail(line, fmt::format("expected {} {}, got {}", expected, what, actual));
}

void Runner::check_fields(int line, std::string_view what, const Fields& fields,
                          const std::map<std::string, int64_t>& actual, int64_t event_type) {
  for (const auto& [key, text] : fields) {
    const auto found = actual.find(key);
    if (found == actual.end()) {
      fail(line, fmt::format("{} has no field {}", what, key));
      continue;
    }
    const auto expected = parse_value(key, text, event_type);
    if (!expected) {
      fail(line, fmt::format("invalid value {}={}", key, text));
    } else if (*expected != found->second) {
      fail(line, fmt::format("{} {}: expected {} ({}), got {}", what, key, text, *expected, found->second));
    }
  }
}

void Runner::check_json(int line, const Fields& fields) {
  const auto json = nlohmann::json::parse(last_.detail, nullptr, false);
  if (json.is_discarded()) return fail(line, "lot_status detail is not JSON: " + last_.detail);
  for (const auto& [key, text] : fields) {
    if (!json.contains(key)) {
      fail(line, "json has no field " + key);
    } else if (json[key].is_string()) {
      if (json[key].get<std::string>() != text) fail(line, fmt::format("json {}: expected {}, got {}", key, text, json[key].dump()));
    } else {
      bool ok = false;
      const int64_t expected = parse_number(text, ok);
      if (!ok || json[key].get<int64_t>() != expected) fail(line, fmt::format("json {}: expected {}, got {}", key, text, json[key].dump()));
    }
  }
}

}  // namespace

ScenarioOutcome run_scenario(const std::string& path, bool reload_each_step) {
  Runner runner(path, reload_each_step);
  return runner.run();
}

}  // namespace jubian::auction::testing
