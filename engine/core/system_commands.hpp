#pragma once
// Commands that belong to no business subsystem. Type numbers 0x0001-0x00FF.

#include <string_view>
#include <tuple>

#include "engine/common/context.hpp"

namespace jubian::system {

// Advances sequenced time. The server's timer sends one every tick interval; every
// timer of the business logic (auction ends, hold timeouts, listing expiry) fires on it.
struct Tick {
  static constexpr uint16_t kType = 0x0001;
  static constexpr std::string_view kName = "tick";
  static constexpr Access kAccess = Access::system;
  static constexpr bool kJournaled = true;

  template <class V>
  void visit(V&) {}
};

// Returns the engine's state hash (values[0..3] hold the 32 digest bytes, little-endian
// words) and the last applied sequence in the reply's seq. Not journaled.
struct StateHashQuery {
  static constexpr uint16_t kType = 0x0002;
  static constexpr std::string_view kName = "state_hash";
  static constexpr Access kAccess = Access::market_data;
  static constexpr bool kJournaled = false;

  template <class V>
  void visit(V&) {}
};

using Commands = std::tuple<Tick, StateHashQuery>;

}  // namespace jubian::system
