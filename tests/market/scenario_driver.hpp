#pragma once
// Runs market commands written as text and renders what the market returned as text, so
// a scenario file can list each command with the exact reply, trades and events expected.
//
// Command lines (labels such as S1 name listings; accounts are numbers):
//   add <label> by <owner> <supply|demand> <quantity> @ <price> [cat=N] [modes=TLE]
//       [tags=1,5] [trl=N] [broker=N] [expiry=N] [client=N] [indicative] [ioc]
//   cancel <label> by <actor>          amend <label> by <actor> <quantity> @ <price>
//   claim <label> by <broker>          release <label> by <broker>
//   reassign <label> to <broker>       query <category> [depth=N]      report by <broker>
//   time <ns>                          tick <ns>
// Defaults: category 101, every mode, no tags, TRL 5, no broker, no expiry, firm,
// good till expiry, a fresh client listing id. Each command gets the next sequence number.

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine/market/market.hpp"

namespace jubian::market::testing {

class ScenarioDriver {
 public:
  explicit ScenarioDriver(Market& market) : market_(market) {
    events_.reserve(256);
    trades_.reserve(256);
  }

  // Applies one command line and returns the rendered output lines.
  std::vector<std::string> run(const std::string& line);

  ListingId id(const std::string& label) const;
  Seq seq() const { return seq_; }

 private:
  Context next_context(AccountId actor);
  std::vector<std::string> render(const Reply& reply, const std::string& label, const std::string& kind) const;
  std::vector<std::string> run_add(std::istringstream& in);
  std::string render_event(const Event& event) const;
  std::string label(uint64_t listing_id) const;

  Market& market_;
  Seq seq_ = 0;
  TimeNs now_ = 1'000'000;
  uint64_t next_client_ = 1;
  std::map<std::string, ListingId> ids_;
  std::vector<Event> events_;
  std::vector<Trade> trades_;
  std::string detail_;
};

// Reads a scenario file: '#' comments, '> command' lines, each followed by its expected
// output lines. Returns one mismatch description per failing command (empty when all pass).
std::vector<std::string> run_scenario_file(const std::string& path);

}  // namespace jubian::market::testing
