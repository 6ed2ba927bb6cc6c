#pragma once
// The roadshow's plan: who takes part, which lots are listed in which format, and when
// each bid is sent. Everything here follows from the options and the seed, so two runs
// with the same flags send the same commands at the same offsets. Only prices depend on
// timing, because they follow the live high that bidders see.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/auction/commands.hpp"
#include "engine/common/types.hpp"

namespace jubian::roadshow {

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string admin_token;
  std::string trader_token;
  std::string screen_token;

  uint32_t bidders = 10'000;
  uint32_t lots = 200;
  uint64_t bids = 1'000'000;
  uint32_t screens = 16;
  double duration_s = 20;
  double burst_share = 0.5;          // share of bids sent in the last fifth of the window
  uint64_t seed = 1;
  uint32_t lots_per_bidder = 10;     // lots each bidder is qualified for
  uint32_t threads = 2;              // load threads; each owns its bidders' sockets
  uint32_t drop_bidders = 0;         // bidders that close their socket mid-burst
  uint32_t stalled_screens = 0;      // screens that subscribe and then stop reading
  double settle_timeout_s = 60;      // wait for acknowledgements and lot results after the last bid
  double reconnect_timeout_s = 0;    // > 0: the server may restart mid-run; retry the check sessions this long
  std::string lang = "zh";
  bool json = false;
  std::string report_json;  // also write the JSON report here; empty: no file
};

// Account ids: sellers, the broker chain and bidders sit in separate, fixed ranges so
// that a token file can list them and reports can tell them apart.
inline constexpr uint64_t kSellerBase = 1'000;         // universities and institutes listing lots
inline constexpr uint64_t kBrokerOrg = 900;            // the brokers' employer
inline constexpr uint64_t kServiceInstitution = 901;   // broker chain: 2%
inline constexpr uint64_t kTrainingBase = 902;         // broker chain: 1%
inline constexpr uint64_t kCultivationBase = 903;      // broker chain: 1%
inline constexpr uint64_t kBrokerBase = 910;           // brokers (individuals of kBrokerOrg)
inline constexpr uint32_t kBrokers = 4;
inline constexpr uint64_t kBidderBase = 100'000;
inline constexpr uint64_t kLotBase = 500'000;
inline constexpr uint32_t kIndividualEvery = 10;       // every 10th bidder is an individual of the bidder before it
inline constexpr uint32_t kLotsPerSeller = 2;
inline constexpr PriceFen kStartPriceFen = 1'000'000;  // 10,000 yuan
inline constexpr PriceFen kIncrementFen = 10'000;      // 100 yuan

enum class BidKind : uint8_t { english = 1, dutch_accept = 2, sealed = 3, intent = 4 };

struct LotPlan {
  LotId lot;
  AccountId seller;
  auction::LotFormat format = auction::LotFormat::english;
  AccountId seller_broker;   // set on listing lots, so their trades pay the broker chain
  PriceFen reserve_price = 0;
  PriceFen cap_price = 0;
  Quantity quantity = 1;
  std::vector<uint32_t> bidders;  // indexes of qualified bidders
};

struct ScheduledBid {
  int64_t offset_ns = 0;   // from the start of bidding
  uint32_t bidder = 0;     // bidder index
  uint32_t lot = 0;        // lot index
  BidKind kind = BidKind::english;
  uint8_t steps = 1;       // increments above the high the bidder last saw
};

struct Plan {
  Options options;
  std::vector<LotPlan> lots;
  std::vector<std::vector<uint32_t>> bidder_lots;  // lot indexes per bidder
  std::vector<ScheduledBid> schedule;              // sorted by offset_ns
  std::vector<uint32_t> dropping_bidders;          // bidder indexes that disconnect mid-burst
  int64_t drop_offset_ns = 0;
};

Plan make_plan(const Options& options);

// A 64-bit FNV-1a fingerprint of the lots, qualifications and schedule, as 16 hex digits.
std::string plan_digest(const Plan& plan);

AccountId bidder_account(uint32_t index);
bool bidder_is_individual(uint32_t index);
// The unit whose balance receives the bidder's points: itself, or its unit for individuals.
AccountId bidder_holder(uint32_t index);
uint32_t seller_count(uint32_t lots);

// Every account that the trader token must list: sellers and bidders.
std::vector<AccountId> trader_accounts(const Options& options);

}  // namespace jubian::roadshow
