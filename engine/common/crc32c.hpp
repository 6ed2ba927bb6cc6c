#pragma once
// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), as in iSCSI and leveldb.
// Uses the SSE4.2 crc32 instruction when the CPU has it, a table otherwise.

#include <cstddef>
#include <cstdint>
#include <span>

namespace jubian {

// Extends a running CRC32C with more bytes; start with crc = 0.
uint32_t crc32c_extend(uint32_t crc, std::span<const uint8_t> bytes);

inline uint32_t crc32c(std::span<const uint8_t> bytes) { return crc32c_extend(0, bytes); }

}  // namespace jubian
