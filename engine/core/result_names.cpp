#include "api/codes.hpp"
#include "engine/auction/codes.hpp"
#include "engine/common/result.hpp"
#include "engine/journal/codes.hpp"
#include "engine/ledger/codes.hpp"
#include "engine/market/codes.hpp"

namespace jubian {

std::string_view result_code_name(ResultCode code) {
  const auto number = code_number(code);
  switch (code) {
    case ResultCode::ok: return "ok";
    case ResultCode::malformed: return "malformed";
    case ResultCode::unknown_command: return "unknown_command";
    case ResultCode::duplicate_request: return "duplicate_request";
    case ResultCode::request_conflict: return "request_conflict";
    case ResultCode::not_authorised: return "not_authorised";
    case ResultCode::amount_invalid: return "amount_invalid";
    case ResultCode::time_invalid: return "time_invalid";
    case ResultCode::broker_required: return "broker_required";
    case ResultCode::internal_error: return "internal_error";
    default: break;
  }
  if (number >= 100 && number < 200) return ledger::code_name(code);
  if (number >= 200 && number < 300) return market::code_name(code);
  if (number >= 300 && number < 400) return auction::code_name(code);
  if (number >= 400 && number < 500) return gateway::code_name(code);
  if (number >= 500 && number < 600) return journal::code_name(code);
  return "unknown";
}

}  // namespace jubian
