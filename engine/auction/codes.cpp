#include "engine/auction/codes.hpp"

namespace jubian::auction {

std::string_view code_name(ResultCode) { return "unknown"; }

}  // namespace jubian::auction
