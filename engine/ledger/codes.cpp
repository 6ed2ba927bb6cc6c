#include "engine/ledger/codes.hpp"

namespace jubian::ledger {

std::string_view code_name(ResultCode) { return "unknown"; }

}  // namespace jubian::ledger
