#include "engine/market/codes.hpp"

namespace jubian::market {

std::string_view code_name(ResultCode) { return "unknown"; }

}  // namespace jubian::market
