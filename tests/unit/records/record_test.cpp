// EventSummary: fields added in order with their labels, values kept in the summary's own buffer,
// the kMaxFields cap, and equality over every part; and a Record's defaults.
#include "callsink/records/record.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callsink {
namespace {

EventSummary summary_of(
    std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
    EventSummary summary;
    summary.event_type = "CALL_STATUS";
    for (auto const& [label, value] : fields) {
        summary.add(label, value);
    }
    return summary;
}

TEST(EventSummary, StartsEmpty) {
    EventSummary const summary;
    EXPECT_EQ(summary.size(), 0u);
    EXPECT_EQ(summary.event_type, "");
    EXPECT_EQ(summary.type_index, 0u);
    EXPECT_EQ(summary.event_id(), "");
    EXPECT_EQ(summary.session_id(), "");
}

TEST(EventSummary, KeepsEachLabelAndValueInTheOrderAdded) {
    EventSummary const summary =
        summary_of({{"session", "s-1"}, {"call", "c-22"}, {"status", "CALL_RECEIVED"}});
    ASSERT_EQ(summary.size(), 3u);
    EXPECT_EQ(summary.label(0), "session");
    EXPECT_EQ(summary.value(0), "s-1");
    EXPECT_EQ(summary.label(1), "call");
    EXPECT_EQ(summary.value(1), "c-22");
    EXPECT_EQ(summary.label(2), "status");
    EXPECT_EQ(summary.value(2), "CALL_RECEIVED");
}

TEST(EventSummary, KeepsEmptyValuesApart) {
    EventSummary const summary = summary_of({{"a", ""}, {"b", "x"}, {"c", ""}});
    ASSERT_EQ(summary.size(), 3u);
    EXPECT_EQ(summary.value(0), "");
    EXPECT_EQ(summary.value(1), "x");
    EXPECT_EQ(summary.value(2), "");
}

TEST(EventSummary, CopiesValuesSoTheyOutliveWhatTheyWereReadFrom) {
    EventSummary summary;
    {
        auto value = std::make_unique<std::string>("a session id long enough to be on the heap");
        summary.add("session", *value);
    }
    EventSummary const copy = summary;
    summary = EventSummary{};
    ASSERT_EQ(copy.size(), 1u);
    EXPECT_EQ(copy.value(0), "a session id long enough to be on the heap");
}

TEST(EventSummary, IgnoresFieldsBeyondKMaxFields) {
    EventSummary summary;
    std::vector<std::string> values;
    for (std::size_t i = 0; i <= EventSummary::kMaxFields; ++i) {
        values.push_back("v" + std::to_string(i));
    }
    for (std::string const& value : values) {
        summary.add("label", value);
    }
    summary.add("late", "late");
    ASSERT_EQ(summary.size(), EventSummary::kMaxFields);
    for (std::size_t i = 0; i < EventSummary::kMaxFields; ++i) {
        EXPECT_EQ(summary.value(i), values[i]);
    }
    EXPECT_EQ(summary.label(EventSummary::kMaxFields - 1), "label");
}

TEST(EventSummary, KeepsItsFieldsWhenTheIdsAreSetOrChangedAfterThem) {
    EventSummary summary = summary_of({{"session", "s-1"}, {"status", "COMPLETED"}});
    summary.set_ids("event-id-longer-than-the-fields", "s-1");
    EXPECT_EQ(summary.event_id(), "event-id-longer-than-the-fields");
    EXPECT_EQ(summary.session_id(), "s-1");
    EXPECT_EQ(summary.value(0), "s-1");
    EXPECT_EQ(summary.value(1), "COMPLETED");
    summary.set_ids("", "s");
    EXPECT_EQ(summary.event_id(), "");
    EXPECT_EQ(summary.session_id(), "s");
    EXPECT_EQ(summary.value(1), "COMPLETED");
    summary.add("direction", "INBOUND");
    EXPECT_EQ(summary.value(2), "INBOUND");
}

TEST(EventSummary, EqualsASummaryWithTheSameParts) {
    EventSummary a = summary_of({{"session", "s-1"}, {"status", "COMPLETED"}});
    EventSummary b = summary_of({{"session", "s-1"}, {"status", "COMPLETED"}});
    a.set_ids("e-1", "s-1");
    b.set_ids("e-1", "s-1");
    a.type_index = b.type_index = 1;
    EXPECT_TRUE(a == b);
    EXPECT_FALSE(a != b);
}

TEST(EventSummary, DiffersWhenAnyPartDiffers) {
    EventSummary const base = summary_of({{"session", "s-1"}, {"status", "COMPLETED"}});
    {
        EventSummary other = base;
        other.event_type = "SESSION_SUMMARY";
        EXPECT_FALSE(base == other);
    }
    {
        EventSummary other = base;
        other.type_index = 3;
        EXPECT_FALSE(base == other);
    }
    {
        EventSummary other = base;
        other.set_ids("e", "");
        EXPECT_FALSE(base == other);
    }
    {
        EventSummary other = base;
        other.set_ids("", "s");
        EXPECT_FALSE(base == other);
    }
    EXPECT_FALSE(base == summary_of({{"session", "s-1"}, {"state", "COMPLETED"}}));
    EXPECT_FALSE(base == summary_of({{"session", "s-1"}, {"status", "FAILED"}}));
    EXPECT_FALSE(base == summary_of({{"session", "s-1"}}));
    EXPECT_FALSE(base == summary_of({{"session", "s-1"}, {"status", "COMPLETED"}, {"extra", ""}}));
}

TEST(EventSummary, DiffersWhenTheSameTextIsSplitDifferently) {
    EXPECT_FALSE(summary_of({{"a", "xy"}, {"b", "z"}}) == summary_of({{"a", "x"}, {"b", "yz"}}));
}

TEST(EventSummary, ComparesLabelsByTextNotByAddress) {
    std::string const first = "session";
    std::string const second = "session";
    EventSummary a;
    EventSummary b;
    a.add(first, "s");
    b.add(second, "s");
    EXPECT_TRUE(a == b);
}

TEST(Record, IsAnEventWithNoRedeliveryKeyByDefault) {
    Record const record;
    EXPECT_EQ(record.kind, RecordKind::event);
    EXPECT_EQ(record.line, "");
    EXPECT_FALSE(record.redelivery_key);
    EXPECT_EQ(record.summary.size(), 0u);
}

}  // namespace
}  // namespace callsink
