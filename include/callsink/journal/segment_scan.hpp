// What the bytes of one journal segment hold: its whole frames (journal_frame.hpp), the spans of
// damage between them, and the tail after the last whole frame. The journal scans every segment
// this way when it opens, and decides what to do with each part: a tail of the newest segment is
// a torn write, cut off; damage, and a tail of an older segment, is copied aside and skipped
// (journal.hpp). A byte flipped anywhere loses the record it is in, and no other: after damage,
// the scan finds the next frame whose header and payload both check out.
//
// Pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace callsink {

struct ByteSpan {
    std::size_t begin = 0;
    std::size_t end = 0;
    std::size_t size() const { return end - begin; }
    friend bool operator==(ByteSpan const&, ByteSpan const&) = default;
};

struct SegmentScan {
    std::size_t frames = 0;            // whole ones
    std::uint64_t first_sequence = 0;  // of the first whole frame, when there is one
    std::uint64_t last_sequence = 0;   // of the last
    std::int64_t first_appended_at_ms = 0;
    // Bytes that hold no frame, each followed by a whole frame, in order.
    std::vector<ByteSpan> damaged;
    // Where the last whole frame ends (0 without one): the bytes after it hold no whole frame.
    std::size_t whole_end = 0;
    // Whether those bytes could be the start of a frame cut short (a torn write) rather than
    // damage; true when there are none.
    bool tail_incomplete = true;
};

SegmentScan scan_segment(std::string_view bytes);

}  // namespace callsink
