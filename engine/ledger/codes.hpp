#pragma once
// Result codes of the ledger subsystem, numbers 100-199. Numbers are stable once released.

#include <string_view>

#include "engine/common/result.hpp"

namespace jubian::ledger {

// The stable name of one of this subsystem's codes, or "unknown".
std::string_view code_name(ResultCode code);

}  // namespace jubian::ledger
