// One record of the journal as it lies in a segment file: a frame of a fixed 32-byte header and
// the record's bytes (record_codec.hpp). The header, integers little-endian:
//
//   0  magic        F7 43 4A 01 ("CJ" between a byte that UTF-8 never holds and the version)
//   4  length       of the payload, at most kMaxFramePayload
//   8  sequence     the record's number: one more than the record appended before it
//   16 appended at  milliseconds since the Unix epoch, when the journal took it
//   24 payload CRC  CRC-32C of the payload
//   28 header CRC   CRC-32C of the 28 bytes before it
//
// The header has a checksum of its own so that a damaged length is never believed: a frame whose
// header checks out but whose payload runs past the end of the file is a torn write (a crash in
// the middle of it), while one whose header does not check out is damage (bit rot, a truncated
// copy), and the next frame is found by looking for the next valid header after it.
//
// Pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "callsink/records/record.hpp"

namespace callsink {

inline constexpr std::size_t kFrameHeaderBytes = 32;
// Far above any delivery (server.max_body_bytes allows 64 MiB at most): a length beyond it is
// damage however its header checks out.
inline constexpr std::uint32_t kMaxFramePayload = 128 * 1024 * 1024;

// Appends the frame of `record`, numbered `sequence`, to `out`.
void append_frame(std::uint64_t sequence, std::int64_t appended_at_ms, Record const& record,
                  std::string& out);

enum class FrameCheck {
    whole,       // a frame whose checksums hold
    incomplete,  // the bytes end within what could be a whole frame: its start, or a checked
                 // header whose payload is cut short
    damaged,     // not a frame
};

struct FrameView {
    FrameCheck check = FrameCheck::damaged;
    std::uint64_t sequence = 0;
    std::int64_t appended_at_ms = 0;
    std::string_view payload;  // of a whole frame
    // Of a whole frame, header included; of an incomplete one with a checked header, the size it
    // would have.
    std::size_t size = 0;
};

// The frame at the start of `bytes`.
FrameView read_frame(std::string_view bytes);

// Where the next whole frame after `from` starts in `bytes`, or bytes.size() when none does.
std::size_t find_whole_frame(std::string_view bytes, std::size_t from);

}  // namespace callsink
