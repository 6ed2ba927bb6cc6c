#pragma once
// Stable, numbered result codes. A code never changes its number once released;
// clients and the protocol documents depend on them. Ranges:
//   0        ok
//   1-99     common (request shape, idempotency, authorisation)
//   100-199  ledger        200-299 market      300-399 auction
//   400-499  gateway       500-599 journal and storage
// Each subsystem's codes live in its own header (engine/<subsystem>/codes.hpp) as
// constants of this type, with a function that names them; engine/core/result_names.cpp
// dispatches a code to its subsystem by range.

#include <cstdint>
#include <string_view>

namespace jubian {

enum class ResultCode : uint16_t {
  ok = 0,
  malformed = 1,            // body too short or a field out of its encoding range
  unknown_command = 2,      // message type not known to this engine version
  duplicate_request = 3,    // request id seen before with the same body; original result returned
  request_conflict = 4,     // request id seen before with a different body
  not_authorised = 5,       // the session may not act for this account or run this command
  amount_invalid = 6,       // zero, negative or overflowing amount
  time_invalid = 7,         // a time field out of order or before the current sequenced time
  broker_required = 8,      // the account named as a broker (or acting as one) is not a registered broker
  internal_error = 99,
};

// The stable snake_case name of a code ("insufficient_balance"), or "unknown" for an
// unregistered number. Defined in engine/core, which sees every subsystem.
std::string_view result_code_name(ResultCode code);

constexpr uint16_t code_number(ResultCode code) { return static_cast<uint16_t>(code); }

}  // namespace jubian
