#pragma once
// Result codes of the market subsystem, numbers 200-299. Numbers are stable once released.

#include <string_view>

#include "engine/common/result.hpp"

namespace jubian::market {

// The stable name of one of this subsystem's codes, or "unknown".
std::string_view code_name(ResultCode code);

}  // namespace jubian::market
