#include "callsink/journal/record_codec.hpp"

#include <gtest/gtest.h>

#include "sample_records.hpp"

namespace callsink {
namespace {

using testing::sample_record;

void expect_same(Record const& got, Record const& want) {
    EXPECT_EQ(got.kind, want.kind);
    EXPECT_EQ(got.line, want.line);
    EXPECT_EQ(got.summary, want.summary);
    EXPECT_EQ(got.redelivery_key, want.redelivery_key);
    EXPECT_EQ(got.request_id, want.request_id);
}

TEST(RecordCodec, AnEventComesBackWithEverythingASinkNeeds) {
    Record const record = sample_record(7);
    std::string bytes;
    encode_record(record, bytes);
    std::optional<Record> const back = decode_record(bytes);
    ASSERT_TRUE(back);
    expect_same(*back, record);
    // The type and the labels are the registry's own, as a sink that keeps views of them expects.
    EXPECT_EQ(back->summary.event_type.data(), record.summary.event_type.data());
    ASSERT_GT(back->summary.size(), 0u);
    EXPECT_EQ(back->summary.label(0).data(), record.summary.label(0).data());
}

TEST(RecordCodec, ARejectionComesBackWithItsLineAndRequestId) {
    Record record;
    record.kind = RecordKind::rejection;
    record.line = "{\"rejected\":true}\n";
    record.request_id = "r1";
    std::string bytes;
    encode_record(record, bytes);
    std::optional<Record> const back = decode_record(bytes);
    ASSERT_TRUE(back);
    expect_same(*back, record);
}

TEST(RecordCodec, AppendsAfterWhatIsThere) {
    std::string bytes = "prefix";
    encode_record(sample_record(1), bytes);
    ASSERT_TRUE(bytes.starts_with("prefix"));
    std::optional<Record> const back = decode_record(std::string_view(bytes).substr(6));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->line, sample_record(1).line);
}

TEST(RecordCodec, ATypeThisBuildDoesNotKnowKeepsItsLineAndKeyButNoSummary) {
    Record record = sample_record(3);
    record.summary = EventSummary{};
    record.summary.event_type = "SOME_FUTURE_TYPE";
    record.summary.set_ids("e", "s");
    std::string bytes;
    encode_record(record, bytes);
    std::optional<Record> const back = decode_record(bytes);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->line, record.line);
    EXPECT_EQ(back->redelivery_key, record.redelivery_key);
    EXPECT_EQ(back->summary.event_type, "");
    EXPECT_EQ(back->summary.size(), 0u);
}

TEST(RecordCodec, BytesCutShortBeforeTheLineDoNotDecode) {
    Record record = sample_record(9);
    record.line.clear();  // so that every cut falls before the end of a length-prefixed part
    std::string bytes;
    encode_record(record, bytes);
    for (std::size_t size = 0; size < bytes.size(); ++size) {
        EXPECT_FALSE(decode_record(std::string_view(bytes).substr(0, size))) << "size " << size;
    }
    EXPECT_TRUE(decode_record(bytes));
}

}  // namespace
}  // namespace callsink
