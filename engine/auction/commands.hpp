#pragma once
// Commands of the auction subsystem. Type numbers 0x0300-0x03FF; see engine/core/command.hpp
// for what a command struct must declare.

#include <string_view>
#include <tuple>

#include "engine/common/context.hpp"
#include "engine/common/types.hpp"

namespace jubian::auction {

// TODO: placeholder until the auction subsystem lands.
struct AuctionPlaceholder {
  static constexpr uint16_t kType = 0x0300;
  static constexpr std::string_view kName = "auction_placeholder";
  static constexpr Access kAccess = Access::admin;
  static constexpr bool kJournaled = true;

  template <class V>
  void visit(V&) {}
};

using Commands = std::tuple<AuctionPlaceholder>;

}  // namespace jubian::auction
