#pragma once
// Result codes of the journal and storage subsystem, numbers 500-599. Numbers are stable
// once released. JournalError carries one of them; the server reports it at start-up.

#include <string_view>

#include "engine/common/result.hpp"

namespace jubian::journal {

inline constexpr ResultCode record_damaged{500};      // a record's length or CRC32C is invalid
inline constexpr ResultCode batch_damaged{501};       // a batch header's magic, CRC32C or size is invalid
inline constexpr ResultCode sequence_gap{502};        // a sequence number is not the previous one plus one
inline constexpr ResultCode chain_mismatch{503};      // a batch's SHA-256 chain hash does not match its bytes
inline constexpr ResultCode segment_damaged{504};     // a segment header is invalid or does not continue the chain
inline constexpr ResultCode io_failed{505};           // a read, write, fdatasync or rename failed
inline constexpr ResultCode payload_too_large{506};   // a record does not fit in one segment
inline constexpr ResultCode snapshot_damaged{507};    // a snapshot's header or CRC32C is invalid

// The stable name of one of this subsystem's codes, or "unknown".
std::string_view code_name(ResultCode code);

}  // namespace jubian::journal
