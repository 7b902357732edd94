// identify_event with a fake member lookup (a map standing in for the payload): it fills the
// summary (type, index, event id, session id, the type's log fields) and the redelivery key, reads
// the whole payload only for a type identified by it, and declines when a member cannot be read.
// redelivery_key keeps values apart by length, and apart across event types.
#include "callsink/records/record_identity.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/events/event_identity.hpp"
#include "callsink/events/event_types.hpp"
#include "callsink/records/record.hpp"
#include "callsink/records/redelivery_key.hpp"

namespace callsink {
namespace {

using Members = std::map<std::string, std::string, std::less<>>;

// The payload's members as the encoders' lookups give them: "" when absent; false for a key in
// `unreadable` (the one-pass encoder meeting an escape it does not decode).
class FakePayload {
  public:
    explicit FakePayload(Members members, std::string stored = "{}")
        : members_(std::move(members)), stored_(std::move(stored)) {}

    void make_unreadable(std::string key) { unreadable_.push_back(std::move(key)); }

    auto member() {
        return [this](std::string_view key, std::string_view& text) {
            asked_.emplace_back(key);
            for (std::string const& bad : unreadable_) {
                if (bad == key) {
                    return false;
                }
            }
            auto const it = members_.find(key);
            text = it == members_.end() ? std::string_view{} : std::string_view(it->second);
            return true;
        };
    }

    auto payload() {
        return [this] {
            ++payload_calls_;
            return std::string_view(stored_);
        };
    }

    int payload_calls() const { return payload_calls_; }
    std::vector<std::string> const& asked() const { return asked_; }

  private:
    Members members_;
    std::string stored_;
    std::vector<std::string> unreadable_;
    std::vector<std::string> asked_;
    int payload_calls_ = 0;
};

EventType const& type_named(std::string_view name) {
    EventType const* type = find_event_type(name);
    EXPECT_NE(type, nullptr) << name;
    return type != nullptr ? *type : event_types()[0];
}

// A type of the test's own, identified by two members.
constexpr std::array<std::string_view, 2> kPairRedelivery{"x", "y"};
constexpr std::array<SummaryField, 1> kPairSummary{{{"x", "x"}}};
EventType const kPairType{EventIdentity{.name = "PAIR",
                                        .webhook = "PR",
                                        .path = "/pair",
                                        .event_id = "",
                                        .session_id = "",
                                        .redelivery = kPairRedelivery,
                                        .summary = kPairSummary},
                          7, nullptr, nullptr};

RedeliveryKey key_of(EventType const& type, Members members, std::string stored = "{}") {
    FakePayload payload(std::move(members), std::move(stored));
    Record record;
    EXPECT_TRUE(identify_event(type, payload.member(), payload.payload(), record));
    return record.redelivery_key;
}

// The key the identity text of record_identity.hpp gives: the type, then " <length>:<value>" per
// value, or " <payload>" for a type identified by its payload.
RedeliveryKey redelivery_key(std::string_view type, std::span<std::string_view const> values,
                             std::string_view payload) {
    if (values.empty()) {
        return payload_redelivery_key(type, payload);
    }
    std::string text(type);
    for (std::string_view value : values) {
        append_identity_value(text, value);
    }
    return make_redelivery_key(text);
}

TEST(IdentifyEvent, FillsTheSummaryAndKeyOfACallStatus) {
    EventType const& type = type_named("CALL_STATUS");
    FakePayload payload(Members{{"eventId", "e-1"},
                                {"sessionId", "s-1"},
                                {"callId", "c-1"},
                                {"callStatus", "CALL_RECEIVED"},
                                {"source", "+6512345678"}});
    Record record;
    ASSERT_TRUE(identify_event(type, payload.member(), payload.payload(), record));
    EventSummary const& summary = record.summary;
    EXPECT_EQ(summary.event_type, "CALL_STATUS");
    EXPECT_EQ(summary.type_index, type.index);
    EXPECT_EQ(summary.event_id(), "e-1");
    EXPECT_EQ(summary.session_id(), "s-1");
    ASSERT_EQ(summary.size(), 4u);
    EXPECT_EQ(summary.label(0), "session");
    EXPECT_EQ(summary.value(0), "s-1");
    EXPECT_EQ(summary.label(1), "call");
    EXPECT_EQ(summary.value(1), "c-1");
    EXPECT_EQ(summary.label(2), "status");
    EXPECT_EQ(summary.value(2), "CALL_RECEIVED");
    EXPECT_EQ(summary.label(3), "direction");
    EXPECT_EQ(summary.value(3), "");  // absent
    std::array<std::string_view, 1> const event_id{"e-1"};
    EXPECT_EQ(record.redelivery_key, redelivery_key("CALL_STATUS", event_id, ""));
    EXPECT_TRUE(record.redelivery_key);
    EXPECT_EQ(payload.payload_calls(), 0);
}

TEST(IdentifyEvent, LeavesTheEventIdEmptyForATypeWithoutOne) {
    EventType const& type = type_named("SESSION_SUMMARY");
    FakePayload payload(Members{{"sessionId", "s-9"}, {"sessionStatus", "COMPLETED"}});
    Record record;
    ASSERT_TRUE(identify_event(type, payload.member(), payload.payload(), record));
    EXPECT_EQ(record.summary.event_type, "SESSION_SUMMARY");
    EXPECT_EQ(record.summary.event_id(), "");
    EXPECT_EQ(record.summary.session_id(), "s-9");
    std::array<std::string_view, 1> const session{"s-9"};
    EXPECT_EQ(record.redelivery_key, redelivery_key("SESSION_SUMMARY", session, ""));
}

TEST(IdentifyEvent, KeysATypeWithoutRedeliveryMembersByItsWholePayload) {
    EventType const& type = type_named("VIRTUAL_NUMBER_UPDATE");
    ASSERT_TRUE(type.identity.redelivery.empty());
    FakePayload payload(Members{{"subAccountId", "acme"}}, R"({"subAccountId":"acme","n":1})");
    Record record;
    ASSERT_TRUE(identify_event(type, payload.member(), payload.payload(), record));
    EXPECT_EQ(payload.payload_calls(), 1);
    EXPECT_EQ(record.summary.event_id(), "");
    EXPECT_EQ(record.summary.session_id(), "");
    EXPECT_EQ(record.redelivery_key,
              redelivery_key("VIRTUAL_NUMBER_UPDATE", {}, R"({"subAccountId":"acme","n":1})"));
    EXPECT_NE(record.redelivery_key,
              key_of(type, {{"subAccountId", "acme"}}, R"({"subAccountId":"acme","n":2})"));
}

TEST(IdentifyEvent, GivesTheSameKeyToARedelivery) {
    EventType const& type = type_named("CALL_STATUS");
    Members const first{{"eventId", "e-1"}, {"callStatus", "CALL_RECEIVED"}};
    Members const again{{"eventId", "e-1"}, {"callStatus", "CALL_CONNECTED"}};
    // Only the eventId identifies a CALL_STATUS: the status is not part of the key.
    EXPECT_EQ(key_of(type, first), key_of(type, again));
}

TEST(IdentifyEvent, GivesDifferentKeysForDifferentValues) {
    EventType const& type = type_named("CALL_STATUS");
    EXPECT_NE(key_of(type, {{"eventId", "e-1"}}), key_of(type, {{"eventId", "e-2"}}));
    EXPECT_NE(key_of(kPairType, {{"x", "a"}, {"y", "b"}}),
              key_of(kPairType, {{"x", "a"}, {"y", "c"}}));
}

TEST(IdentifyEvent, KeepsValuesApartWhereTheirConcatenationsMeet) {
    EXPECT_NE(key_of(kPairType, {{"x", "a b"}, {"y", "c"}}),
              key_of(kPairType, {{"x", "a"}, {"y", "b c"}}));
    EXPECT_NE(key_of(kPairType, {{"x", "ab"}, {"y", ""}}),
              key_of(kPairType, {{"x", "a"}, {"y", "b"}}));
    EXPECT_NE(key_of(kPairType, {{"x", "1:a"}, {"y", "b"}}),
              key_of(kPairType, {{"x", "1"}, {"y", "a 1:b"}}));
}

TEST(IdentifyEvent, GivesDifferentKeysAcrossEventTypes) {
    // The same id under two types is two events.
    EXPECT_NE(key_of(type_named("CALL_STATUS"), {{"eventId", "s-1"}}),
              key_of(type_named("SESSION_SUMMARY"), {{"sessionId", "s-1"}}));
    EXPECT_NE(key_of(type_named("VIRTUAL_NUMBER_UPDATE"), {}, "{}"),
              key_of(type_named("CALL_RECORDING_STATUS"), {}, "{}"));
}

TEST(IdentifyEvent, ReadsAnAbsentRedeliveryMemberAsEmpty) {
    EventType const& type = type_named("CALL_STATUS");
    RedeliveryKey const key = key_of(type, {});
    std::array<std::string_view, 1> const empty{""};
    EXPECT_EQ(key, redelivery_key("CALL_STATUS", empty, ""));
    EXPECT_TRUE(key);
}

TEST(IdentifyEvent, DeclinesWhenAnyMemberCannotBeRead) {
    EventType const& type = type_named("CALL_STATUS");
    for (std::string key : {"eventId", "sessionId", "callId", "callDirection"}) {
        FakePayload payload(Members{{"eventId", "e-1"}, {"sessionId", "s-1"}});
        payload.make_unreadable(key);
        Record record;
        EXPECT_FALSE(identify_event(type, payload.member(), payload.payload(), record)) << key;
    }
}

TEST(IdentifyEvent, DeclinesWhenOnlyARedeliveryMemberCannotBeRead) {
    FakePayload payload(Members{{"x", "a"}, {"y", "b"}});
    payload.make_unreadable("y");
    Record record;
    EXPECT_FALSE(identify_event(kPairType, payload.member(), payload.payload(), record));
    EXPECT_FALSE(record.redelivery_key);
}

TEST(IdentifyEvent, AsksForEachMemberItNeeds) {
    EventType const& type = type_named("CALL_STATUS");
    FakePayload payload(Members{});
    Record record;
    ASSERT_TRUE(identify_event(type, payload.member(), payload.payload(), record));
    std::vector<std::string> const& asked = payload.asked();
    for (std::string_view key : {"eventId", "sessionId", "callId", "callStatus", "callDirection"}) {
        EXPECT_NE(std::find(asked.begin(), asked.end(), key), asked.end()) << key;
    }
    EXPECT_EQ(std::find(asked.begin(), asked.end(), "source"), asked.end());
}

TEST(IdentifyEvent, UsesEveryRedeliveryMemberOfAType) {
    // EventIdentity::redelivery sets no limit on its members: two events that differ only in a
    // fifth member are two events, not a redelivery.
    constexpr std::array<std::string_view, 5> kFive{"a", "b", "c", "d", "e"};
    EventType const five{EventIdentity{.name = "FIVE",
                                       .webhook = "FV",
                                       .path = "/five",
                                       .event_id = "",
                                       .session_id = "",
                                       .redelivery = kFive,
                                       .summary = {}},
                         8, nullptr, nullptr};
    Members const members{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}};
    Members first = members;
    first["e"] = "first";
    Members second = members;
    second["e"] = "second";
    EXPECT_NE(key_of(five, first), key_of(five, second));
}

TEST(AppendIdentityValue, PrefixesEachValueWithItsLength) {
    std::string split_late = "T";
    append_identity_value(split_late, "a b");
    append_identity_value(split_late, "c");
    std::string split_early = "T";
    append_identity_value(split_early, "a");
    append_identity_value(split_early, "b c");
    EXPECT_EQ(split_late, "T 3:a b 1:c");
    EXPECT_EQ(split_early, "T 1:a 3:b c");
}

TEST(PayloadRedeliveryKey, IsTheTypeAndThePayloadText) {
    EXPECT_EQ(payload_redelivery_key("VNU", "{\"a\":1}"), make_redelivery_key("VNU {\"a\":1}"));
    EXPECT_NE(payload_redelivery_key("VNU", "{\"a\":1}"),
              payload_redelivery_key("VNU", "{\"a\":2}"));
    EXPECT_NE(payload_redelivery_key("A", "x"), payload_redelivery_key("B", "x"));
}

}  // namespace
}  // namespace callsink
