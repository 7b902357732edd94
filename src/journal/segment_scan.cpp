#include "callsink/journal/segment_scan.hpp"

#include "callsink/journal/journal_frame.hpp"

namespace callsink {

SegmentScan scan_segment(std::string_view bytes) {
    SegmentScan scan;
    std::size_t at = 0;
    while (at < bytes.size()) {
        FrameView const frame = read_frame(bytes.substr(at));
        if (frame.check == FrameCheck::whole) {
            if (scan.frames == 0) {
                scan.first_sequence = frame.sequence;
                scan.first_appended_at_ms = frame.appended_at_ms;
            }
            ++scan.frames;
            scan.last_sequence = frame.sequence;
            at += frame.size;
            scan.whole_end = at;
            continue;
        }
        std::size_t const next = find_whole_frame(bytes, at);
        if (next == bytes.size()) {
            scan.tail_incomplete = frame.check == FrameCheck::incomplete;
            break;
        }
        scan.damaged.push_back(ByteSpan{at, next});
        at = next;
    }
    return scan;
}

}  // namespace callsink
