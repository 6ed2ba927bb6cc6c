#include "engine/journal/codes.hpp"

namespace jubian::journal {

std::string_view code_name(ResultCode code) {
  if (code == record_damaged) return "record_damaged";
  if (code == batch_damaged) return "batch_damaged";
  if (code == sequence_gap) return "sequence_gap";
  if (code == chain_mismatch) return "chain_mismatch";
  if (code == segment_damaged) return "segment_damaged";
  if (code == io_failed) return "io_failed";
  if (code == payload_too_large) return "payload_too_large";
  if (code == snapshot_damaged) return "snapshot_damaged";
  return "unknown";
}

}  // namespace jubian::journal
