#pragma once
// Commands of the ledger subsystem. Type numbers 0x0100-0x01FF; see engine/core/command.hpp
// for what a command struct must declare.

#include <string_view>
#include <tuple>

#include "engine/common/context.hpp"
#include "engine/common/types.hpp"

namespace jubian::ledger {

// TODO: placeholder until the ledger subsystem lands.
struct LedgerPlaceholder {
  static constexpr uint16_t kType = 0x0100;
  static constexpr std::string_view kName = "ledger_placeholder";
  static constexpr Access kAccess = Access::admin;
  static constexpr bool kJournaled = true;

  template <class V>
  void visit(V&) {}
};

using Commands = std::tuple<LedgerPlaceholder>;

}  // namespace jubian::ledger
