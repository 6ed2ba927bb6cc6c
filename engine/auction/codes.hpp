#pragma once
// Result codes of the auction subsystem, numbers 300-399. Numbers are stable once released.

#include <string_view>

#include "engine/common/result.hpp"

namespace jubian::auction {

// The stable name of one of this subsystem's codes, or "unknown".
std::string_view code_name(ResultCode code);

}  // namespace jubian::auction
