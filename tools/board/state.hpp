#pragma once
// The roadshow board's view of each lot, kept up to date from jubiand's lot events and
// lot_status responses. One mutex guards it, because the feed thread writes while the
// web server reads a JSON copy.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/common/context.hpp"

namespace jubian::board {

struct LotView {
  uint64_t lot = 0;
  std::string format;              // english, dutch, sealed_first, sealed_second, listing, ...
  std::string phase = "pending";
  std::string result = "none";     // none, sold, no_sale, cancelled
  PriceFen price_fen = 0;          // current price, or the final price once there is a result
  std::string leader;              // masked: "***" and the account's last three digits
  TimeNs countdown_end_ns = 0;
  int64_t bids = 0;
};

// "***" and the last three digits of the account, as lot_status masks it; empty for 0.
std::string mask_account(AccountId account);

class BoardState {
 public:
  void apply(const Event& event);
  // Applies a lot_status response: its JSON detail and the reply's time.
  void apply_status(const std::string& detail, TimeNs time_ns);

  // {"now_ns":..., "version":..., "lots":[...]}; now_ns is the latest sequenced time seen.
  std::string to_json() const;
  uint64_t version() const;
  size_t lot_count() const;
  std::vector<uint64_t> lots() const;

 private:
  mutable std::mutex mutex_;
  std::map<uint64_t, LotView> lots_;
  TimeNs now_ns_ = 0;
  uint64_t version_ = 0;
};

}  // namespace jubian::board
