#pragma once
// Commands of the market subsystem. Type numbers 0x0200-0x02FF; see engine/core/command.hpp
// for what a command struct must declare.

#include <string_view>
#include <tuple>

#include "engine/common/context.hpp"
#include "engine/common/types.hpp"

namespace jubian::market {

// TODO: placeholder until the market subsystem lands.
struct MarketPlaceholder {
  static constexpr uint16_t kType = 0x0200;
  static constexpr std::string_view kName = "market_placeholder";
  static constexpr Access kAccess = Access::admin;
  static constexpr bool kJournaled = true;

  template <class V>
  void visit(V&) {}
};

using Commands = std::tuple<MarketPlaceholder>;

}  // namespace jubian::market
