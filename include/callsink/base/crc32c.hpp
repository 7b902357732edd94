// CRC-32C (Castagnoli), the checksum each journal record carries so that a torn or damaged record
// is told apart from a whole one. CRC-32C detects every burst error of up to 32 bits, so a byte
// flipped anywhere in a record is always caught. The SSE 4.2 instruction computes it where the
// processor has one (checked once, at the first call); elsewhere a table does, 8 bytes a step.
//
// Pure and thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace callsink {

// The CRC-32C of `bytes`, continuing from `crc` (the value of the bytes before them; 0 to start).
std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc = 0);

}  // namespace callsink
