#include "callsink/journal/journal_frame.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "callsink/base/crc32c.hpp"
#include "callsink/journal/record_codec.hpp"
#include "sample_records.hpp"

namespace callsink {
namespace {

using testing::sample_record;

std::string frame_of(int n, std::uint64_t sequence) {
    std::string bytes;
    append_frame(sequence, 1'700'000'000'123, sample_record(n), bytes);
    return bytes;
}

TEST(JournalFrame, AWholeFrameReadsBackWithItsNumberTimeAndRecord) {
    std::string const bytes = frame_of(4, 42);
    FrameView const frame = read_frame(bytes);
    ASSERT_EQ(frame.check, FrameCheck::whole);
    EXPECT_EQ(frame.sequence, 42u);
    EXPECT_EQ(frame.appended_at_ms, 1'700'000'000'123);
    EXPECT_EQ(frame.size, bytes.size());
    std::optional<Record> const record = decode_record(frame.payload);
    ASSERT_TRUE(record);
    EXPECT_EQ(record->line, sample_record(4).line);
}

TEST(JournalFrame, ReadsOnlyTheFirstFrameOfWhatFollows) {
    std::string const first = frame_of(1, 1);
    FrameView const frame = read_frame(first + frame_of(2, 2));
    ASSERT_EQ(frame.check, FrameCheck::whole);
    EXPECT_EQ(frame.size, first.size());
    EXPECT_EQ(frame.sequence, 1u);
}

TEST(JournalFrame, EveryPrefixOfAFrameIsIncompleteNotDamaged) {
    std::string const bytes = frame_of(5, 7);
    for (std::size_t size = 0; size < bytes.size(); ++size) {
        FrameView const frame = read_frame(std::string_view(bytes).substr(0, size));
        EXPECT_EQ(frame.check, FrameCheck::incomplete) << "size " << size;
        if (size >= kFrameHeaderBytes) {
            EXPECT_EQ(frame.size, bytes.size()) << "the size a checked header announces";
        }
    }
}

TEST(JournalFrame, AByteChangedAnywhereIsDamage) {
    std::string const bytes = frame_of(6, 9);
    for (std::size_t at = 0; at < bytes.size(); ++at) {
        std::string changed = bytes;
        changed[at] = static_cast<char>(changed[at] ^ 0x20);
        EXPECT_EQ(read_frame(changed).check, FrameCheck::damaged) << "byte " << at;
    }
}

TEST(JournalFrame, BytesThatStartNoFrameAreDamage) {
    EXPECT_EQ(read_frame("{\"eventType\":\"CALL_STATUS\"}").check, FrameCheck::damaged);
}

TEST(JournalFrame, ALengthBeyondAnyRecordIsDamageEvenUnderAHeaderThatChecksOut) {
    std::string bytes = frame_of(1, 1);
    std::uint32_t const huge = kMaxFramePayload + 1;
    std::memcpy(bytes.data() + 4, &huge, sizeof huge);
    std::uint32_t const header_crc = crc32c(std::string_view(bytes).substr(0, 28));
    std::memcpy(bytes.data() + 28, &header_crc, sizeof header_crc);
    EXPECT_EQ(read_frame(bytes).check, FrameCheck::damaged);
}

TEST(JournalFrame, TheNextWholeFrameIsFoundPastDamage) {
    std::string const first = frame_of(1, 1);
    std::string const second = frame_of(2, 2);
    std::string bytes = first + second + frame_of(3, 3);
    bytes[first.size() + 40] ^= 0x01;  // the second frame's payload
    EXPECT_EQ(find_whole_frame(bytes, 0), first.size() + second.size())
        << "past the damaged second frame, to the third";
    EXPECT_EQ(find_whole_frame(bytes, first.size()), first.size() + second.size());
    EXPECT_EQ(find_whole_frame(first, 0), first.size()) << "none after the only frame";
}

}  // namespace
}  // namespace callsink
