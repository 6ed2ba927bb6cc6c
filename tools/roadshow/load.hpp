#pragma once
// The bidding and watching half of a roadshow. Worker threads, each with its own
// io_context, own a share of the bidder and screen sockets: non-blocking Boost.Asio
// sockets with the protocol's frame encoder and decoder. They send the planned bids when
// their time comes and record the responses and events.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "tools/roadshow/histogram.hpp"
#include "tools/roadshow/plan.hpp"

namespace jubian::roadshow {

// Acknowledgements for one lot, summed over every bidder.
struct LotTally {
  uint64_t accepted = 0;          // bids (or Dutch accepts) with an ok response
  uint64_t intents_accepted = 0;  // listing intents with an ok response
  uint64_t unanswered = 0;        // bids whose connection closed before their response
  PriceFen high = 0;              // the highest high that an accepted English bid reported
  PriceFen dutch_price = 0;
  uint32_t dutch_winner = UINT32_MAX;
};

// A lot_result event as one screen saw it.
struct SeenResult {
  uint16_t result = 0;     // auction::LotResult
  AccountId winner;
  PriceFen price = 0;
  uint64_t trade = 0;
};

struct ScreenRecord {
  bool stalled = false;        // planned to stop reading
  bool closed_by_server = false;
  uint64_t events = 0;
  uint64_t conflated_notices = 0;
  std::vector<std::optional<SeenResult>> results;  // per lot index
};

struct LoadStats {
  uint64_t bids_sent = 0;
  uint64_t bids_acked = 0;
  uint64_t bids_accepted = 0;
  uint64_t bids_unanswered_dropped = 0;  // sent on a connection that closed before the response
  uint64_t bids_unanswered_live = 0;     // sent on an open connection, no response by the timeout
  uint64_t bids_not_sent_dropped = 0;    // planned for a bidder whose connection had closed
  uint64_t bidders_connected = 0;
  uint64_t bidders_dropped = 0;          // closed on purpose mid-burst
  uint64_t bidders_closed_by_server = 0;
  std::map<uint16_t, uint64_t> rejected_by_code;
  LatencyHistogram ack_latency_us;
  std::vector<LotTally> lots;
  std::vector<ScreenRecord> screens;
  std::map<uint64_t, int64_t> login_points;  // holder account -> daily_login points credited
  double bidding_seconds = 0;                // first planned bid to last response
  int64_t late_start_ms = 0;                 // how far behind the planned start bidding began
};

// Progress counters read by the main thread once a second.
struct Progress {
  std::atomic<uint64_t> connected{0};
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> acked{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> results_seen{0};
};

class Load {
 public:
  Load(const Plan& plan, Progress& progress);
  ~Load();
  Load(const Load&) = delete;
  Load& operator=(const Load&) = delete;

  // Connects and logs in every bidder, which also sends a ledger login, and every screen,
  // which subscribes to every lot. Returns false with a message on a failure or timeout.
  bool connect(std::chrono::seconds timeout, std::string& error);

  // Sends the schedule with offset 0 at `start` and waits until every bid is answered
  // or its connection closed, then until every watching screen saw every lot's result,
  // or `settle_timeout` passes.
  void run(std::chrono::steady_clock::time_point start, std::chrono::milliseconds settle_timeout);

  // Closes every socket, joins the threads and returns the merged figures.
  LoadStats finish();

  struct Impl;  // shared by the worker threads; defined in load.cpp

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace jubian::roadshow
