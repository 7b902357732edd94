#include "callsink/journal/segment_scan.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "callsink/journal/journal_frame.hpp"
#include "sample_records.hpp"

namespace callsink {
namespace {

// Five frames numbered 11 to 15, and where each starts.
struct Segment {
    std::string bytes;
    std::vector<std::size_t> starts;
};

Segment five_frames() {
    Segment segment;
    for (int n = 1; n <= 5; ++n) {
        segment.starts.push_back(segment.bytes.size());
        append_frame(10 + static_cast<std::uint64_t>(n), 0, testing::sample_record(n),
                     segment.bytes);
    }
    return segment;
}

TEST(SegmentScan, AWholeSegmentIsItsFramesAndNothingElse) {
    Segment const segment = five_frames();
    SegmentScan const scan = scan_segment(segment.bytes);
    EXPECT_EQ(scan.frames, 5u);
    EXPECT_EQ(scan.first_sequence, 11u);
    EXPECT_EQ(scan.last_sequence, 15u);
    EXPECT_TRUE(scan.damaged.empty());
    EXPECT_EQ(scan.whole_end, segment.bytes.size());
}

TEST(SegmentScan, AnEmptySegmentHasNoFrames) {
    SegmentScan const scan = scan_segment("");
    EXPECT_EQ(scan.frames, 0u);
    EXPECT_EQ(scan.whole_end, 0u);
}

TEST(SegmentScan, AWriteCutShortIsAnIncompleteTailAfterTheWholeFrames) {
    Segment const segment = five_frames();
    for (std::size_t cut = segment.starts[4] + 1; cut < segment.bytes.size(); ++cut) {
        SegmentScan const scan = scan_segment(std::string_view(segment.bytes).substr(0, cut));
        EXPECT_EQ(scan.frames, 4u) << "cut at " << cut;
        EXPECT_EQ(scan.whole_end, segment.starts[4]);
        EXPECT_TRUE(scan.tail_incomplete);
        EXPECT_TRUE(scan.damaged.empty());
    }
}

// A byte flipped anywhere loses the record it is in and no other: in the middle, a damaged span
// exactly that record's; in the last, a tail that holds no whole frame.
TEST(SegmentScan, AByteFlippedAnywhereLosesOnlyTheRecordItIsIn) {
    Segment const segment = five_frames();
    for (std::size_t at = 0; at < segment.bytes.size(); ++at) {
        std::string bytes = segment.bytes;
        bytes[at] = static_cast<char>(bytes[at] ^ 0x04);
        SegmentScan const scan = scan_segment(bytes);
        ASSERT_EQ(scan.frames, 4u) << "byte " << at;
        std::size_t const hit =
            static_cast<std::size_t>(
                std::upper_bound(segment.starts.begin(), segment.starts.end(), at) -
                segment.starts.begin()) -
            1;
        std::size_t const hit_end =
            hit + 1 < segment.starts.size() ? segment.starts[hit + 1] : segment.bytes.size();
        if (hit + 1 < segment.starts.size()) {
            ASSERT_EQ(scan.damaged.size(), 1u) << "byte " << at;
            EXPECT_EQ(scan.damaged[0], (ByteSpan{segment.starts[hit], hit_end}));
            EXPECT_EQ(scan.whole_end, segment.bytes.size());
        } else {
            EXPECT_TRUE(scan.damaged.empty());
            EXPECT_EQ(scan.whole_end, segment.starts[hit]);
        }
        EXPECT_EQ(scan.first_sequence, hit == 0 ? 12u : 11u);
        EXPECT_EQ(scan.last_sequence, hit == 4 ? 14u : 15u);
    }
}

TEST(SegmentScan, GarbageBetweenFramesIsOneDamagedSpan) {
    Segment const segment = five_frames();
    std::string bytes = segment.bytes.substr(0, segment.starts[2]) + "garbage from a bad copy" +
                        segment.bytes.substr(segment.starts[2]);
    SegmentScan const scan = scan_segment(bytes);
    EXPECT_EQ(scan.frames, 5u);
    ASSERT_EQ(scan.damaged.size(), 1u);
    EXPECT_EQ(scan.damaged[0], (ByteSpan{segment.starts[2], segment.starts[2] + 23}));
}

}  // namespace
}  // namespace callsink
