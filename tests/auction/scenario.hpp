#pragma once
// Replays an auction scenario file against a fresh Auctions and checks every expectation
// it states. Grammar, one statement per line ('#' starts a comment):
//
//   config  key=value...                 AuctionConfig fields, before the first step
//   default <command> key=value...       field values every later <command> line starts from
//   @ <time>                             sequenced time of the following steps
//   <actor> <command> key=value... [-> <code> [v0=.. v1=.. v2=.. v3=..]]
//   tick [-> ok]                         runs on_tick at the current time
//   <indented> event <type> key=value... one per expected event, in order (an exact list)
//   <indented> no events | no trades
//   <indented> trade key=value...        one per expected trade, in order (an exact list)
//   <indented> json key=value...         fields of the lot_status JSON
//
// A time or number is a sum of terms with optional units: 600s-1ns, 15d, 5m+2s, -3.
// Symbolic values (english, transfer, timed, sold, proxy, auction, ...) are read by the
// field they are given for. A step without "->" must return ok. Each step gets the next
// sequence number, starting at 1. A rejected step must leave the state hash unchanged
// and emit nothing.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/common/sha256.hpp"

namespace jubian::auction::testing {

struct ScenarioOutcome {
  std::vector<std::string> failures;  // "file:line: what was expected and what happened"
  std::vector<Digest> step_hashes;    // the state hash after each step
  uint32_t steps = 0;
};

// Runs the file. With reload_each_step, the state goes through save() and load() into a
// new Auctions before every step, so each step runs on a restored snapshot.
ScenarioOutcome run_scenario(const std::string& path, bool reload_each_step);

}  // namespace jubian::auction::testing
