#pragma once
// The roadshow's setup and final checks over blocking, pipelined api::Client sessions:
// registering accounts, listing and qualifying lots, then reading every lot's status and
// every account's report once bidding is over.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "api/client.hpp"
#include "tools/roadshow/load.hpp"
#include "tools/roadshow/plan.hpp"

namespace jubian::roadshow {

struct Sessions {
  api::Client admin;
  api::Client trader;
  uint64_t next_request = 1;  // below the load's request ids, so no id repeats for an actor
};

struct SetupResult {
  std::map<uint64_t, int64_t> points;  // holder account -> points credited by setup commands
  uint64_t commands = 0;
  double seconds = 0;
  TimeNs last_time_ns = 0;                          // sequenced time of the latest reply
  std::chrono::steady_clock::time_point last_reply_at;
  std::vector<std::string> errors;
};

void open_sessions(Sessions& sessions, const Options& options);

// Opens the sessions, retrying for up to options.reconnect_timeout_s while the server
// is not accepting connections (it may be restarting). Throws the last error after that.
void reopen_sessions(Sessions& sessions, const Options& options);

// Registers the broker chain, sellers, brokers and bidders.
void register_accounts(Sessions& sessions, const Plan& plan, SetupResult& result);

// Lists every lot with its window starting at start_ns, then qualifies its bidders.
void list_lots(Sessions& sessions, const Plan& plan, TimeNs start_ns, SetupResult& result);

struct LotFinal {
  std::string format;
  std::string result;
  int64_t bids = 0;
  PriceFen final_price = 0;
  uint64_t trade = 0;
};

struct CheckResult {
  std::vector<LotFinal> lots;
  uint64_t bids_missing = 0;          // acknowledged as accepted, absent from lot_status
  uint64_t price_mismatches = 0;      // lots whose final price differs from the accepted bids
  uint64_t screens_missing_final = 0; // (screen, lot) pairs without the final price
  uint64_t screens_disconnected = 0;  // screens the server closed; their results are not checked
  bool ledger_skipped = false;        // a sold lot's winner was seen by no screen
  uint64_t ledger_mismatches = 0;     // accounts whose balance differs from the policy
  uint64_t ledger_accounts_checked = 0;
  uint64_t lots_sold = 0, lots_no_sale = 0, lots_open = 0;
  std::vector<std::string> notes;     // one line per mismatch, the first few only
};

CheckResult check_final_state(Sessions& sessions, const Plan& plan, const SetupResult& setup, const LoadStats& load);

}  // namespace jubian::roadshow
