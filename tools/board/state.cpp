#include "tools/board/state.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "engine/auction/auctions.hpp"

namespace jubian::board {

namespace {

// The names that lot_status uses for LotFormat, LotPhase and LotResult numbers.
std::string format_name(uint16_t format) {
  static constexpr const char* kNames[] = {"", "english", "dutch", "sealed_first", "sealed_second", "listing", "inquiry", "agreement"};
  return format < std::size(kNames) ? kNames[format] : "unknown";
}

std::string phase_name(uint16_t phase) {
  static constexpr const char* kNames[] = {"pending", "notice", "free", "timed", "open", "awaiting", "suspended", "closed"};
  return phase < std::size(kNames) ? kNames[phase] : "unknown";
}

std::string result_name(uint16_t result) {
  static constexpr const char* kNames[] = {"none", "sold", "no_sale", "cancelled"};
  return result < std::size(kNames) ? kNames[result] : "unknown";
}

}  // namespace

std::string mask_account(AccountId account) {
  if (account.value == 0) return "";
  const std::string digits = std::to_string(account.value);
  return "***" + digits.substr(digits.size() > 3 ? digits.size() - 3 : 0);
}

void BoardState::apply(const Event& event) {
  if (event.lot.value == 0) return;  // a market listing event of a subscribed category
  std::lock_guard lock(mutex_);
  LotView& view = lots_[event.lot.value];
  view.lot = event.lot.value;
  now_ns_ = std::max(now_ns_, event.time_ns);
  ++version_;

  switch (event.type) {
    case EventType::lot_created:
      view.format = format_name(event.reason);
      view.price_fen = event.price;
      view.countdown_end_ns = event.aux;
      return;
    case EventType::lot_phase:
      view.phase = phase_name(event.reason);
      if (event.price > 0) view.price_fen = event.price;
      view.countdown_end_ns = event.aux;
      return;
    case EventType::lot_bid:
      // Sealed bids carry no price or bidder, only the count of bids in aux.
      if (event.price > 0) view.price_fen = std::max(view.price_fen, event.price);
      if (event.account.value != 0) view.leader = mask_account(event.account);
      // Bid counts come from lot_status polls, because an event may arrive through both a
      // lot and a category subscription. Sealed bids report their count in aux.
      if (event.reason == auction::bid_sealed) view.bids = event.aux;
      return;
    case EventType::lot_extended:
    case EventType::lot_countdown:
      if (event.price > 0) view.price_fen = event.price;
      view.countdown_end_ns = event.aux;
      return;
    case EventType::lot_result:
      view.result = result_name(event.reason);
      view.phase = "closed";
      view.price_fen = event.price;
      view.leader = mask_account(event.account);
      return;
    default:
      return;
  }
}

std::vector<uint64_t> BoardState::lots() const {
  std::lock_guard lock(mutex_);
  std::vector<uint64_t> ids;
  for (const auto& [id, view] : lots_) ids.push_back(id);
  return ids;
}

void BoardState::apply_status(const std::string& detail, TimeNs time_ns) {
  const auto json = nlohmann::json::parse(detail);
  std::lock_guard lock(mutex_);
  LotView& view = lots_[json.at("lot").get<uint64_t>()];
  view.lot = json.at("lot").get<uint64_t>();
  view.format = json.at("format").get<std::string>();
  view.phase = json.at("phase").get<std::string>();
  view.result = json.at("result").get<std::string>();
  view.bids = json.at("bids").get<int64_t>();
  view.countdown_end_ns = json.at("countdown_end_ns").get<int64_t>();
  const bool finished = view.result != "none";
  view.price_fen = finished ? json.at("final_price").get<int64_t>() : json.at("current_price").get<int64_t>();
  view.leader = finished ? json.at("winner").get<std::string>() : json.at("leader").get<std::string>();
  now_ns_ = std::max(now_ns_, time_ns);
  ++version_;
}

std::string BoardState::to_json() const {
  std::lock_guard lock(mutex_);
  nlohmann::json lots = nlohmann::json::array();
  for (const auto& [id, view] : lots_) {
    lots.push_back({{"lot", view.lot}, {"format", view.format}, {"phase", view.phase}, {"result", view.result},
                    {"price_fen", view.price_fen}, {"leader", view.leader}, {"countdown_end_ns", view.countdown_end_ns},
                    {"bids", view.bids}});
  }
  return nlohmann::json{{"now_ns", now_ns_}, {"version", version_}, {"lots", std::move(lots)}}.dump();
}

uint64_t BoardState::version() const {
  std::lock_guard lock(mutex_);
  return version_;
}

size_t BoardState::lot_count() const {
  std::lock_guard lock(mutex_);
  return lots_.size();
}

}  // namespace jubian::board
