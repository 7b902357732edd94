// parse_event against the examples of 8x8's documents (tests/data, copied verbatim from them),
// each lenient rule of docs/events.md, and each rejection.
#include "callsink/events/parse.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "documents.hpp"
#include "fixtures.hpp"
#include "parsed.hpp"

namespace callsink {
namespace {

using testing::parsed;
using testing::rejected;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using testing::fixture;

// The fixture with `edit` applied to its parsed JSON, serialised again.
std::string edited(std::string_view name, std::function<void(Json&)> const& edit) {
    Json json = Json::parse(fixture(name));
    edit(json);
    return json.dump();
}

std::string without_payload_field(std::string_view name, std::string const& key) {
    return edited(name, [&](Json& json) { json.at("payload").erase(key); });
}

std::string with_payload_field(std::string_view name, std::string const& key, Json value) {
    return edited(name, [&](Json& json) { json.at("payload")[key] = value; });
}

CallStatus call_status(std::string_view body) {
    return testing::payload_of<CallStatus>(parsed(body));
}

SessionSummary session_summary(std::string_view body) {
    return testing::payload_of<SessionSummary>(parsed(body));
}

void expect_rejection(std::string_view body, RejectCode code, std::string const& field) {
    Rejection const rejection = rejected(body);
    EXPECT_EQ(to_string(rejection.code), to_string(code)) << rejection.message;
    EXPECT_EQ(rejection.field, field) << rejection.message;
    if (!field.empty()) {
        EXPECT_THAT(rejection.message, HasSubstr(field));
    }
}

auto note(std::string field, std::string value) {
    return ::testing::AllOf(::testing::Field("field", &ParseNote::field, field),
                            ::testing::Field("value", &ParseNote::value, value));
}

// ---------------------------------------------------------------------------------------------
// The document examples

TEST(ParseFixtures, AreTheDocumentExamplesVerbatim) {
    auto const documents = testing::documents_dir();
    if (!documents) {
        GTEST_SKIP() << testing::kNoDocuments;
    }
    struct Source {
        std::string_view fixture;
        std::string_view document;
    };
    for (auto const& [name, document] : {
             Source{"call_status_2026.json", "call-status-2026.txt"},
             Source{"call_status_md.json", "call-status-md.txt"},
             Source{"call_status_md.json", "call-status-2019.txt"},
             Source{"session_summary_success.json", "session-summary.txt"},
             Source{"session_summary_failure.json", "session-summary.txt"},
         }) {
        std::string json = fixture(name);
        json.pop_back();  // the file's final newline
        std::string const text = testing::read_file(*documents / document);
        EXPECT_THAT(text, HasSubstr(json)) << name << " is not verbatim from " << document;
    }
}

TEST(ParseCallStatus, ReadsThe2026DocumentExample) {
    Event const event = parsed(fixture("call_status_2026.json"));
    EXPECT_EQ(event.envelope.namespace_name, "VOICE");
    EXPECT_EQ(event.envelope.event_type, "CALL_STATUS");
    EXPECT_EQ(event.envelope.description, "Status update of a call");
    EXPECT_EQ(event.envelope.extra, Json::object());
    EXPECT_TRUE(event.notes.empty());

    auto const& call = std::get<CallStatus>(event.payload);
    EXPECT_EQ(call.event_id, "e2078079-eae8-11f0-ae64-a500004e488e");
    EXPECT_EQ(call.call_id, "e1ff6a14-eae8-11f0-baa6-c93abb37794a");
    EXPECT_EQ(call.session_id, "e1ff6a15-eae8-11f0-baa6-c147150ab00e");
    EXPECT_EQ(call.sub_account_id, "8x8_test");
    EXPECT_EQ(call.call_status, "CALL_RECEIVED");
    EXPECT_EQ(call.call_direction, "INBOUND");
    EXPECT_EQ(call.call_type, "PSTN");
    EXPECT_EQ(call.source, "+656833033");
    EXPECT_EQ(call.destination, "+94778066434");
    EXPECT_EQ(call.source_format, "MSISDN");
    EXPECT_EQ(call.destination_format, "MSISDN");
    EXPECT_EQ(call.source_country_code, "SG");
    EXPECT_EQ(call.destination_country_code, "LK");
    EXPECT_EQ(call.call_duration, 0);
    EXPECT_EQ(call.sip_code, 200);
    EXPECT_EQ(call.timestamp, "2026-01-06T10:17:19.375Z");
    EXPECT_FALSE(call.source_ref_id);
    EXPECT_FALSE(call.destination_ref_id);
    EXPECT_FALSE(call.event_data);
    EXPECT_EQ(call.extra, Json::object());
}

TEST(ParseCallStatus, ReadsTheMarkdownAnd2019DocumentExample) {
    Event const event = parsed(fixture("call_status_md.json"));
    EXPECT_EQ(event.envelope.namespace_name, "VOICE");
    EXPECT_EQ(event.envelope.description, "Status update of a call");

    auto const& call = std::get<CallStatus>(event.payload);
    EXPECT_EQ(call.event_id, "eb0fc709-9693-11ea-454d-1705dde98182");
    EXPECT_EQ(call.sub_account_id, "account_x");
    EXPECT_EQ(call.call_status, "CALL_INITIATED");
    EXPECT_EQ(call.call_direction, "INBOUND | OUTBOUND");
    EXPECT_EQ(call.call_type, "PSTN | VOIP");
    EXPECT_EQ(call.source_country_code, "ID | Null");
    EXPECT_EQ(call.destination_country_code, "ID | Null");
    EXPECT_EQ(call.source_ref_id, "NumberRef1 | Null");
    EXPECT_EQ(call.destination_ref_id, "vn-ref-1 | Null");
    EXPECT_EQ(call.call_duration, 10);
    EXPECT_EQ(call.event_data, Json(" "));
    EXPECT_EQ(call.sip_code, 200);
    EXPECT_EQ(call.timestamp, "2019-10-16T08:12:01Z");
}

TEST(ParseCallStatus, NotesTheTemplateValuesOfThe2019Document) {
    Event const event = parsed(fixture("call_status_md.json"));
    EXPECT_THAT(event.notes, ElementsAre(note("payload.callDirection", "INBOUND | OUTBOUND")));
}

TEST(ParseSessionSummary, ReadsTheSuccessExample) {
    Event const event = parsed(fixture("session_summary_success.json"));
    EXPECT_EQ(event.envelope.event_type, "SESSION_SUMMARY");
    EXPECT_EQ(event.envelope.description, "Summary of a completed call session");
    EXPECT_TRUE(event.notes.empty());

    auto const& summary = std::get<SessionSummary>(event.payload);
    EXPECT_EQ(summary.session_id, "1f048a84-ea6d-11ee-911b-078f7290bf52");
    EXPECT_EQ(summary.sub_account_id, "8x8_test");
    EXPECT_EQ(summary.session_status, "COMPLETED");
    EXPECT_EQ(summary.start_time, "2024-03-25T06:01:30Z");
    EXPECT_EQ(summary.end_time, "2024-03-25T06:01:50Z");
    EXPECT_EQ(summary.last_action, "MAKE_CALL");
    EXPECT_EQ(summary.call_count, 2);
    EXPECT_FALSE(summary.error_details);
    ASSERT_EQ(summary.legs.size(), 2U);

    CallLeg const& call_b = summary.legs[0];  // received first
    EXPECT_EQ(call_b.name, "callB");
    EXPECT_EQ(call_b.call_id, "1fbdef11-ea6d-11ee-9e30-e53b76c602ef");
    EXPECT_EQ(call_b.call_direction, "OUTBOUND");
    EXPECT_EQ(call_b.initiated_timestamp, "2024-03-25T06:01:30Z");
    EXPECT_EQ(call_b.connected_timestamp, "2024-03-25T06:01:37Z");
    EXPECT_EQ(call_b.disconnected_timestamp, "2024-03-25T06:01:50Z");
    EXPECT_EQ(call_b.source, "+6568332048");
    EXPECT_EQ(call_b.destination, "+6591178965");
    EXPECT_EQ(call_b.source_ref_id, "PSTN1");
    EXPECT_FALSE(call_b.destination_ref_id);
    EXPECT_EQ(call_b.call_status, "COMPLETED");
    EXPECT_EQ(call_b.call_duration, 13);
    ASSERT_TRUE(call_b.call_quality);
    EXPECT_EQ(call_b.call_quality->mos, 4.5);
    EXPECT_EQ(call_b.call_quality->packet_loss_rate, 0.0);
    EXPECT_EQ(call_b.call_quality->jitter, 19);

    CallLeg const& call_a = summary.legs[1];
    EXPECT_EQ(call_a.name, "callA");
    EXPECT_EQ(call_a.call_direction, "INBOUND");
    EXPECT_EQ(call_a.source, "+12314377870");
    EXPECT_EQ(call_a.source_country_code, "US");
    EXPECT_EQ(call_a.destination_ref_id, "PSTN1");
    EXPECT_FALSE(call_a.source_ref_id);
    ASSERT_TRUE(call_a.call_quality);
    EXPECT_EQ(call_a.call_quality->jitter, 20);
    EXPECT_EQ(call_a.extra, Json::object());
}

TEST(ParseSessionSummary, ReadsTheFailureExample) {
    Event const event = parsed(fixture("session_summary_failure.json"));
    EXPECT_TRUE(event.notes.empty());

    auto const& summary = std::get<SessionSummary>(event.payload);
    EXPECT_EQ(summary.session_id, "47f19e66-2163-11ee-8ccd-27b543a164ea");
    EXPECT_EQ(summary.sub_account_id, "wavecell_voice");
    EXPECT_EQ(summary.session_status, "ERROR");
    EXPECT_EQ(summary.last_action, "PLAY_TTS");
    EXPECT_EQ(summary.call_count, 1);
    ASSERT_TRUE(summary.error_details);
    EXPECT_EQ(summary.error_details->error_msg, "No coverage available for requested area");
    EXPECT_EQ(summary.error_details->error_code, -2005);
    ASSERT_EQ(summary.legs.size(), 1U);
    CallLeg const& call_a = summary.legs[0];
    EXPECT_EQ(call_a.name, "callA");
    EXPECT_EQ(call_a.call_id, "4809bb03-2163-11ee-8f06-8da8b5ddeca4");
    EXPECT_EQ(call_a.call_status, "ERROR");
    EXPECT_EQ(call_a.call_duration, 0);
    EXPECT_FALSE(call_a.connected_timestamp);
    EXPECT_FALSE(call_a.call_quality);
    EXPECT_FALSE(call_a.error_details);
}

// ---------------------------------------------------------------------------------------------
// Lenient rules

TEST(ParseCallStatus, ReadsNumbersSentAsStrings) {
    CallStatus const call = call_status(fixture("call_status_numbers_as_strings.json"));
    EXPECT_EQ(call.call_duration, 42);
    EXPECT_EQ(call.sip_code, 200);
}

TEST(ParseCallStatus, ReadsNegativeAndExtremeIntegers) {
    auto duration = [](Json value) {
        return call_status(with_payload_field("call_status_2026.json", "callDuration", value))
            .call_duration;
    };
    EXPECT_EQ(duration("-5"), -5);
    EXPECT_EQ(duration("007"), 7);
    EXPECT_EQ(duration(10.0), 10);
    EXPECT_EQ(duration("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(duration("-9223372036854775808"), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(duration(Json::parse("9223372036854775807")),
              std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(duration(Json::parse("-9223372036854775808")),
              std::numeric_limits<std::int64_t>::min());
}

TEST(ParseCallStatus, TreatsNullAsAbsent) {
    Event const event = parsed(fixture("call_status_nulls.json"));
    EXPECT_FALSE(event.envelope.description);
    auto const& call = std::get<CallStatus>(event.payload);
    EXPECT_FALSE(call.sub_account_id);
    EXPECT_FALSE(call.source_country_code);
    EXPECT_FALSE(call.destination_country_code);
    EXPECT_EQ(call.source_ref_id, "NumberRef1");
    EXPECT_FALSE(call.destination_ref_id);
    EXPECT_FALSE(call.call_duration);
    EXPECT_FALSE(call.event_data);
    EXPECT_FALSE(call.sip_code);
    EXPECT_EQ(call.extra, Json::object());
    EXPECT_EQ(event.envelope.extra, Json::object());
}

TEST(ParseCallStatus, KeepsUnknownFieldsInReceivedOrder) {
    Event const event = parsed(fixture("call_status_unknown_fields.json"));
    EXPECT_EQ(event.envelope.extra.dump(),
              R"({"version":2,"deliveryAttempt":{"number":1,"lastError":null}})");
    auto const& call = std::get<CallStatus>(event.payload);
    EXPECT_EQ(call.extra.dump(),
              R"({"ringDuration":7,"customerRef":"order-1234",)"
              R"("carrier":{"name":"Example Telecom","mccMnc":["525","01"],"roaming":false},)"
              R"("score":0.25})");
    EXPECT_EQ(call.call_status, "CALL_CONNECTED");
    EXPECT_EQ(call.timestamp, "2026-01-06T18:17:19.375+08:00");
}

TEST(ParseCallStatus, KeepsAndNotesUnknownEnumValues) {
    Event const event = parsed(fixture("call_status_unknown_enum_values.json"));
    auto const& call = std::get<CallStatus>(event.payload);
    EXPECT_EQ(call.call_status, "CALL_TRANSFERRED");
    EXPECT_EQ(call.call_direction, "INTERNAL");
    EXPECT_EQ(call.call_type, "VOIP");
    EXPECT_THAT(event.notes, ElementsAre(note("payload.callStatus", "CALL_TRANSFERRED"),
                                         note("payload.callDirection", "INTERNAL")));
}

TEST(ParseCallStatus, KnowsEveryDocumentedCallStatus) {
    for (char const* status : {"CALL_INITIATED", "CALL_RECEIVED", "CALL_CONNECTED",
                               "CALL_DISCONNECTED", "CALL_UPDATED", "DTMF_RECEIVED"}) {
        Event const event =
            parsed(with_payload_field("call_status_2026.json", "callStatus", status));
        EXPECT_TRUE(event.notes.empty()) << status;
    }
}

TEST(ParseCallStatus, KeepsEventDataAsAStringOrAnObject) {
    CallStatus const with_object = call_status(fixture("call_status_event_data_object.json"));
    EXPECT_EQ(with_object.event_data, Json::parse(R"({"dtmf":"1234#","attempts":1})"));
    EXPECT_EQ(with_object.event_data->dump(), R"({"dtmf":"1234#","attempts":1})");

    CallStatus const with_string =
        call_status(with_payload_field("call_status_2026.json", "eventData", "digits=12"));
    EXPECT_EQ(with_string.event_data, Json("digits=12"));
}

TEST(ParseCallStatus, AcceptsAnyKeyOrder) {
    auto reversed = [](Json const& object) {
        Json out = Json::object();
        for (auto it = object.rbegin(); it != object.rend(); ++it) {
            out[it.key()] = *it;
        }
        return out;
    };
    Json json = reversed(Json::parse(fixture("call_status_md.json")));
    json["payload"] = reversed(json.at("payload"));
    ASSERT_EQ(json.begin().key(), "payload");
    ASSERT_EQ(json.at("payload").begin().key(), "timestamp");

    CallStatus const call = call_status(json.dump());
    EXPECT_EQ(call.event_id, "eb0fc709-9693-11ea-454d-1705dde98182");
    EXPECT_EQ(call.call_duration, 10);
    EXPECT_EQ(call.timestamp, "2019-10-16T08:12:01Z");
}

TEST(ParseCallStatus, AcceptsRfc3339TimestampsWithAndWithoutFractionAndOffset) {
    for (char const* timestamp : {
             "2026-01-06T10:17:19Z",
             "2026-01-06T10:17:19.375Z",
             "2026-01-06T10:17:19.1Z",
             "2026-01-06T10:17:19.123456789Z",
             "2026-01-06t10:17:19z",
             "2026-01-06 10:17:19Z",
             "2026-01-06T18:17:19+08:00",
             "2026-01-06T05:47:19.375-04:30",
             "2026-01-06T10:17:19+00:00",
             "2024-02-29T00:00:00Z",
             "2016-12-31T23:59:60Z",
         }) {
        CallStatus const call =
            call_status(with_payload_field("call_status_2026.json", "timestamp", timestamp));
        EXPECT_EQ(call.timestamp, timestamp);
    }
}

TEST(ParseCallStatus, AcceptsEmptyOptionalStrings) {
    CallStatus const call =
        call_status(with_payload_field("call_status_2026.json", "subAccountId", ""));
    EXPECT_EQ(call.sub_account_id, "");
}

TEST(ParseSessionSummary, ReadsNumbersSentAsStrings) {
    SessionSummary const summary =
        session_summary(fixture("session_summary_numbers_as_strings.json"));
    EXPECT_EQ(summary.call_count, 2);
    ASSERT_TRUE(summary.error_details);
    EXPECT_EQ(summary.error_details->error_code, -2005);
    ASSERT_EQ(summary.legs.size(), 2U);
    EXPECT_EQ(summary.legs[0].call_duration, 41);
    ASSERT_TRUE(summary.legs[0].call_quality);
    EXPECT_DOUBLE_EQ(*summary.legs[0].call_quality->mos, 4.1);
    EXPECT_DOUBLE_EQ(*summary.legs[0].call_quality->packet_loss_rate, 0.5);
    EXPECT_EQ(summary.legs[0].call_quality->jitter, 12);
    EXPECT_EQ(summary.legs[1].call_duration, 0);
}

TEST(ParseSessionSummary, KnowsNoAnswerWithASpaceOrAnUnderscore) {
    Event const event = parsed(fixture("session_summary_numbers_as_strings.json"));
    auto const& summary = std::get<SessionSummary>(event.payload);
    EXPECT_EQ(summary.session_status, "NO_ANSWER");
    EXPECT_EQ(summary.legs[1].call_status, "NO ANSWER");
    EXPECT_TRUE(event.notes.empty());
}

TEST(ParseSessionSummary, ReadsErrorDetailsOnALeg) {
    SessionSummary const summary =
        session_summary(fixture("session_summary_numbers_as_strings.json"));
    ASSERT_TRUE(summary.legs[1].error_details);
    EXPECT_EQ(summary.legs[1].error_details->error_msg, "No answer");
    EXPECT_EQ(summary.legs[1].error_details->error_code, -9999);
}

TEST(ParseSessionSummary, KeepsUnknownFieldsAtEveryLevel) {
    Event const event = parsed(fixture("session_summary_unknown_fields.json"));
    EXPECT_EQ(event.envelope.extra.dump(), R"({"region":"ap-southeast-1"})");
    auto const& summary = std::get<SessionSummary>(event.payload);
    EXPECT_EQ(summary.extra.dump(),
              R"({"billing":{"currency":"SGD","amount":0.031},"tags":["vip","priority"]})");
    ASSERT_TRUE(summary.error_details);
    EXPECT_EQ(summary.error_details->error_msg, "");
    EXPECT_EQ(summary.error_details->error_code, 0);
    EXPECT_EQ(summary.error_details->extra.dump(), R"({"retryable":false})");

    ASSERT_EQ(summary.legs.size(), 2U);  // callB is null: skipped
    EXPECT_EQ(summary.legs[0].name, "callA");
    EXPECT_EQ(summary.legs[0].extra.dump(), R"({"codec":"PCMU"})");
    ASSERT_TRUE(summary.legs[0].call_quality);
    EXPECT_EQ(summary.legs[0].call_quality->extra.dump(), R"({"rtt":120})");
    EXPECT_EQ(summary.legs[1].name, "callC");
    ASSERT_TRUE(summary.legs[1].error_details);
    EXPECT_EQ(summary.legs[1].error_details->error_code, -2009);
    EXPECT_EQ(summary.legs[1].error_details->extra.dump(), R"({"sipReason":"REFER"})");
}

TEST(ParseSessionSummary, KeepsAndNotesUnknownStatusesAndDirections) {
    Event const event = parsed(edited("session_summary_success.json", [](Json& json) {
        json["payload"]["sessionStatus"] = "VOICEMAIL";
        json["payload"]["details"]["callA"]["callStatus"] = "RINGING";
        json["payload"]["details"]["callB"]["callDirection"] = "SIDEWAYS";
    }));
    auto const& summary = std::get<SessionSummary>(event.payload);
    EXPECT_EQ(summary.session_status, "VOICEMAIL");
    EXPECT_EQ(summary.legs[1].call_status, "RINGING");
    EXPECT_THAT(event.notes, ElementsAre(note("payload.sessionStatus", "VOICEMAIL"),
                                         note("payload.details.callB.callDirection", "SIDEWAYS"),
                                         note("payload.details.callA.callStatus", "RINGING")));
}

TEST(ParseSessionSummary, TreatsNullDetailsAndNestedObjectsAsAbsent) {
    SessionSummary const summary =
        session_summary(edited("session_summary_failure.json", [](Json& json) {
            json["payload"]["details"] = nullptr;
            json["payload"]["errorDetails"] = nullptr;
        }));
    EXPECT_TRUE(summary.legs.empty());
    EXPECT_FALSE(summary.error_details);
}

TEST(ParseEvent, DecidesTheTypeByEventTypeAlone) {
    // A SESSION_SUMMARY body labelled CALL_STATUS is read, and judged, as a CALL_STATUS.
    expect_rejection(edited("session_summary_success.json",
                            [](Json& json) { json["eventType"] = "CALL_STATUS"; }),
                     RejectCode::missing_field, "payload.eventId");
}

TEST(ParseEvent, AcceptsAnEnvelopeWithOnlyEventTypeAndPayload) {
    Event const event = parsed(R"({"eventType":"SESSION_SUMMARY",)"
                               R"("payload":{"sessionId":"s","sessionStatus":"COMPLETED"}})");
    EXPECT_FALSE(event.envelope.namespace_name);
    EXPECT_FALSE(event.envelope.description);
    auto const& summary = std::get<SessionSummary>(event.payload);
    EXPECT_EQ(summary.session_id, "s");
    EXPECT_TRUE(summary.legs.empty());
}

// ---------------------------------------------------------------------------------------------
// Rejections

TEST(ParseRejects, BodiesThatAreNotJson) {
    for (std::string_view body : {"not json", "{", R"({"eventType":)", "{}x", "", "   ",
                                  R"({'eventType':'CALL_STATUS'})", "{\"a\":1,}"}) {
        Rejection const rejection = rejected(body);
        EXPECT_EQ(rejection.code, RejectCode::invalid_json) << body;
        EXPECT_EQ(rejection.field, "");
        EXPECT_THAT(rejection.message, ::testing::AnyOf(HasSubstr("not valid JSON at byte"),
                                                        HasSubstr("body is empty")));
    }
}

TEST(ParseRejects, InvalidUtf8AsInvalidJson) {
    std::string body = fixture("call_status_2026.json");
    body.replace(body.find("8x8_test"), 3, "\xff\xfe\x80");
    Rejection const rejection = rejected(body);
    EXPECT_EQ(rejection.code, RejectCode::invalid_json);
    EXPECT_THAT(rejection.message, HasSubstr("UTF-8"));
    // The message quotes where the parser stopped, but is itself valid UTF-8.
    EXPECT_NO_THROW((void)Json(rejection.message).dump());

    for (std::string_view overlong : {"\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\""}) {
        EXPECT_EQ(rejected(overlong).code, RejectCode::invalid_json);
    }
}

TEST(ParseRejects, TopLevelValuesThatAreNotObjects) {
    for (std::string_view body :
         {"[]", R"(["CALL_STATUS"])", R"("CALL_STATUS")", "42", "null", "true"}) {
        Rejection const rejection = rejected(body);
        EXPECT_EQ(rejection.code, RejectCode::not_an_object) << body;
        EXPECT_EQ(rejection.field, "");
        EXPECT_THAT(rejection.message, HasSubstr("must be a JSON object"));
    }
}

TEST(ParseRejects, MissingRequiredCallStatusFields) {
    for (std::string key : {"sessionId", "callId", "eventId", "callStatus"}) {
        expect_rejection(without_payload_field("call_status_2026.json", key),
                         RejectCode::missing_field, "payload." + key);
        expect_rejection(with_payload_field("call_status_2026.json", key, nullptr),
                         RejectCode::missing_field, "payload." + key);
        expect_rejection(with_payload_field("call_status_2026.json", key, ""),
                         RejectCode::invalid_value, "payload." + key);
    }
}

TEST(ParseRejects, MissingRequiredSessionSummaryFields) {
    for (std::string key : {"sessionId", "sessionStatus"}) {
        expect_rejection(without_payload_field("session_summary_success.json", key),
                         RejectCode::missing_field, "payload." + key);
        expect_rejection(with_payload_field("session_summary_failure.json", key, nullptr),
                         RejectCode::missing_field, "payload." + key);
    }
}

TEST(ParseRejects, MissingEnvelopeFields) {
    expect_rejection(edited("call_status_2026.json", [](Json& json) { json.erase("eventType"); }),
                     RejectCode::missing_field, "eventType");
    expect_rejection(edited("call_status_2026.json", [](Json& json) { json.erase("payload"); }),
                     RejectCode::missing_field, "payload");
    expect_rejection(
        edited("session_summary_success.json", [](Json& json) { json["payload"] = nullptr; }),
        RejectCode::missing_field, "payload");
    expect_rejection("{}", RejectCode::missing_field, "eventType");
}

TEST(ParseRejects, FieldsOfTheWrongType) {
    struct Case {
        std::string_view fixture;
        std::function<void(Json&)> edit;
        std::string field;
    };
    std::vector<Case> const cases{
        {"call_status_2026.json", [](Json& j) { j["eventType"] = 5; }, "eventType"},
        {"call_status_2026.json", [](Json& j) { j["namespace"] = true; }, "namespace"},
        {"call_status_2026.json", [](Json& j) { j["description"] = Json::array(); }, "description"},
        {"call_status_2026.json", [](Json& j) { j["payload"] = "{}"; }, "payload"},
        {"call_status_2026.json", [](Json& j) { j["payload"] = Json::array(); }, "payload"},
        {"call_status_2026.json", [](Json& j) { j["payload"]["callId"] = 5; }, "payload.callId"},
        {"call_status_2026.json", [](Json& j) { j["payload"]["source"] = 6568; }, "payload.source"},
        {"call_status_2026.json", [](Json& j) { j["payload"]["callDuration"] = true; },
         "payload.callDuration"},
        {"call_status_2026.json", [](Json& j) { j["payload"]["sipCode"] = Json::array({200}); },
         "payload.sipCode"},
        {"call_status_2026.json", [](Json& j) { j["payload"]["sipCode"] = Json::object(); },
         "payload.sipCode"},
        {"call_status_2026.json", [](Json& j) { j["payload"]["eventData"] = 5; },
         "payload.eventData"},
        {"call_status_2026.json", [](Json& j) { j["payload"]["eventData"] = Json::array(); },
         "payload.eventData"},
        {"call_status_2026.json", [](Json& j) { j["payload"]["timestamp"] = 1736158639; },
         "payload.timestamp"},
        {"session_summary_success.json", [](Json& j) { j["payload"]["details"] = Json::array(); },
         "payload.details"},
        {"session_summary_success.json", [](Json& j) { j["payload"]["details"]["callA"] = "x"; },
         "payload.details.callA"},
        {"session_summary_success.json",
         [](Json& j) { j["payload"]["details"]["callB"]["callQuality"] = 4.5; },
         "payload.details.callB.callQuality"},
        {"session_summary_success.json",
         [](Json& j) { j["payload"]["details"]["callB"]["callQuality"]["mos"] = true; },
         "payload.details.callB.callQuality.mos"},
        {"session_summary_failure.json", [](Json& j) { j["payload"]["errorDetails"] = "-2005"; },
         "payload.errorDetails"},
        {"session_summary_failure.json",
         [](Json& j) { j["payload"]["errorDetails"]["errorMsg"] = -2005; },
         "payload.errorDetails.errorMsg"},
        {"session_summary_failure.json",
         [](Json& j) { j["payload"]["details"]["callA"]["errorDetails"] = Json::array(); },
         "payload.details.callA.errorDetails"},
    };
    for (Case const& c : cases) {
        SCOPED_TRACE(c.field);
        expect_rejection(edited(c.fixture, c.edit), RejectCode::wrong_type, c.field);
    }
}

TEST(ParseRejects, InvalidIntegerStrings) {
    for (std::string_view text : {"12a", "", " 1", "1 ", "+1", "1.5", "-", "0x10", "1e3", "--1"}) {
        Rejection const rejection =
            rejected(with_payload_field("call_status_2026.json", "callDuration", text));
        EXPECT_EQ(rejection.code, RejectCode::invalid_value) << text;
        EXPECT_EQ(rejection.field, "payload.callDuration");
        EXPECT_EQ(rejection.message,
                  "payload.callDuration must be an integer or a string of digits, got \"" +
                      std::string(text) + "\"");
    }
}

TEST(ParseRejects, NonIntegralNumbersForIntegerFields) {
    expect_rejection(with_payload_field("call_status_2026.json", "sipCode", 200.5),
                     RejectCode::invalid_value, "payload.sipCode");
    // Integral, but past 2^53 a double cannot say which integer was meant.
    expect_rejection(with_payload_field("call_status_2026.json", "sipCode", 1e17),
                     RejectCode::invalid_value, "payload.sipCode");
    expect_rejection(
        edited("session_summary_success.json",
               [](Json& j) { j["payload"]["details"]["callA"]["callQuality"]["jitter"] = 0.5; }),
        RejectCode::invalid_value, "payload.details.callA.callQuality.jitter");
}

TEST(ParseRejects, IntegersOutsideTheInt64Range) {
    for (std::string_view number :
         {"9223372036854775808", "18446744073709551615", "-9223372036854775809",
          "-9223372036854775808.0", "1e19", "-1e19"}) {
        std::string body = fixture("call_status_2026.json");
        body.replace(body.find("\"callDuration\": 0"), 17,
                     "\"callDuration\": " + std::string(number));
        Rejection const rejection = rejected(body);
        EXPECT_EQ(rejection.code, RejectCode::invalid_value) << number;
        EXPECT_EQ(rejection.field, "payload.callDuration");
        EXPECT_THAT(rejection.message, HasSubstr("64-bit"));
    }
    for (std::string_view text :
         {"9223372036854775808", "-9223372036854775809", "99999999999999999999999999"}) {
        expect_rejection(with_payload_field("call_status_2026.json", "callDuration", text),
                         RejectCode::invalid_value, "payload.callDuration");
    }
    expect_rejection(edited("session_summary_failure.json",
                            [](Json& j) {
                                j["payload"]["errorDetails"]["errorCode"] = "-99999999999999999999";
                            }),
                     RejectCode::invalid_value, "payload.errorDetails.errorCode");
}

TEST(ParseRejects, NumbersTooLargeForADoubleAsInvalidJson) {
    std::string body = fixture("call_status_2026.json");
    body.replace(body.find("\"sipCode\": 200"), 14, "\"sipCode\": 1e400");
    EXPECT_EQ(rejected(body).code, RejectCode::invalid_json);
}

TEST(ParseRejects, InvalidFloatStrings) {
    for (std::string_view text : {"abc", "", "nan", "inf", "-inf", "4.5x", " 4.5", "1e999"}) {
        Rejection const rejection = rejected(edited("session_summary_success.json", [&](Json& j) {
            j["payload"]["details"]["callA"]["callQuality"]["mos"] = text;
        }));
        EXPECT_EQ(rejection.code, RejectCode::invalid_value) << text;
        EXPECT_EQ(rejection.field, "payload.details.callA.callQuality.mos");
        EXPECT_THAT(rejection.message, HasSubstr("must be a number or a numeric string"));
    }
}

TEST(ParseRejects, TimestampsThatAreNotRfc3339) {
    for (std::string_view timestamp : {
             "",
             "yesterday",
             "2026-01-06",
             "2026-01-06T10:17:19",
             "2026-01-06T10:17Z",
             "2026-01-06T10:17:19.Z",
             "2026-01-06T10:17:19.375",
             "2026-01-06T10:17:19+0800",
             "2026-01-06T10:17:19+08",
             "2026-01-06T10:17:19 Z",
             "2026-01-06T10:17:19ZZ",
             "2026-13-06T10:17:19Z",
             "2026-00-06T10:17:19Z",
             "2026-02-29T10:17:19Z",
             "2026-04-31T10:17:19Z",
             "2026-01-00T10:17:19Z",
             "2026-01-06T24:00:00Z",
             "2026-01-06T10:60:00Z",
             "2026-01-06T10:17:61Z",
             "2026-01-06T10:17:19+24:00",
             "2026-01-06T10:17:19+08:60",
             "2026-1-6T10:17:19Z",
             "2026/01/06T10:17:19Z",
             "2026-01-06X10:17:19Z",
             "1736158639",
         }) {
        Rejection const rejection =
            rejected(with_payload_field("call_status_2026.json", "timestamp", timestamp));
        EXPECT_EQ(rejection.code, RejectCode::invalid_value) << timestamp;
        EXPECT_EQ(rejection.field, "payload.timestamp");
        EXPECT_THAT(rejection.message, HasSubstr("RFC 3339"));
    }
    expect_rejection(
        edited("session_summary_success.json",
               [](Json& j) { j["payload"]["details"]["callB"]["initiatedTimestamp"] = "now"; }),
        RejectCode::invalid_value, "payload.details.callB.initiatedTimestamp");
    expect_rejection(with_payload_field("session_summary_success.json", "endTime", "later"),
                     RejectCode::invalid_value, "payload.endTime");
}

TEST(ParseRejects, UnsupportedEventTypes) {
    // "CALL_STATUS, SESSION_SUMMARY, … or <the last>": every registered type, in order.
    std::string expected_types;
    auto const types = event_types();
    for (std::size_t i = 0; i < types.size(); ++i) {
        expected_types += (i == 0 ? "" : i + 1 == types.size() ? " or " : ", ");
        expected_types += types[i].identity.name;
    }
    EXPECT_THAT(expected_types, ::testing::StartsWith("CALL_STATUS, SESSION_SUMMARY, "));
    for (std::string_view type : {"CALL_ACTION", "call_status", "CALL_STATUS ", "VOICE"}) {
        Rejection const rejection =
            rejected(edited("call_status_2026.json", [&](Json& j) { j["eventType"] = type; }));
        EXPECT_EQ(rejection.code, RejectCode::unsupported_event_type) << type;
        EXPECT_EQ(rejection.field, "eventType");
        EXPECT_EQ(rejection.message, "eventType \"" + std::string(type) +
                                         "\" is not supported; expected " + expected_types);
    }
    expect_rejection(fixture("unsupported_call_action.json"), RejectCode::unsupported_event_type,
                     "eventType");
}

// A stored record read back (session_timeline.cpp): callsink's own members are unknown ones.
TEST(ParseEventJson, ReadsARecordBackAsTheEventItStores) {
    Json record = Json::parse(fixture("call_status_2026.json"));
    record["received"] = {{"at", "2026-01-06T10:17:20.000Z"}, {"path", "/status"}};
    ParseResult const event = parse_event_json(record);
    ASSERT_TRUE(event.has_value()) << event.error().message;
    EXPECT_EQ(testing::payload_of<CallStatus>(*event).call_status, "CALL_RECEIVED");
    EXPECT_EQ(event->envelope.extra.at("received").at("at"), "2026-01-06T10:17:20.000Z");
    EXPECT_EQ(event->type().identity.name,
              parsed(fixture("call_status_2026.json")).type().identity.name);

    ParseResult const array = parse_event_json(Json::array());
    ASSERT_FALSE(array.has_value());
    EXPECT_EQ(array.error().code, RejectCode::not_an_object);
}

TEST(ParseRejects, AnEmptyEventTypeLikeAnyEmptyRequiredString) {
    expect_rejection(edited("call_status_2026.json", [](Json& j) { j["eventType"] = ""; }),
                     RejectCode::invalid_value, "eventType");
}

TEST(ParseRejects, UnsupportedEventTypesBeforeLookingAtThePayload) {
    expect_rejection(R"({"eventType":"VIRTUAL_NUMBER_DELETED"})",
                     RejectCode::unsupported_event_type, "eventType");
    expect_rejection(R"({"eventType":"CALL_ACTION","payload":[1,2]})",
                     RejectCode::unsupported_event_type, "eventType");
}

TEST(ParseRejects, DeepNestingBeforeParsing) {
    for (std::string const& body : {std::string(100'000, '['), std::string(100'000, '{'),
                                    R"({"a":)" + std::string(70, '[')}) {
        Rejection const rejection = rejected(body);
        EXPECT_EQ(rejection.code, RejectCode::invalid_json);
        EXPECT_EQ(rejection.field, "");
        EXPECT_THAT(rejection.message, HasSubstr("deeper than 64 levels"));
    }
}

TEST(ParseRejects, DeepNestingInsideAnUnknownField) {
    auto body_with_depth = [](std::size_t depth) {
        // The envelope is level 1, so `nested` holds depth - 1 arrays.
        std::string body = fixture("call_status_2026.json");
        body.insert(body.rfind('}'),
                    R"(,"nested":)" + std::string(depth - 1, '[') + std::string(depth - 1, ']'));
        return body;
    };
    EXPECT_TRUE(parse_event(body_with_depth(64)).has_value());
    expect_rejection(body_with_depth(65), RejectCode::invalid_json, "");
}

TEST(ParseEvent, CountsOnlyBracketsOutsideStrings) {
    std::string const brackets(1000, '[');
    Event const event =
        parsed(with_payload_field("call_status_2026.json", "note", brackets + "\\\"" + brackets));
    EXPECT_EQ(std::get<CallStatus>(event.payload).extra.at("note"), brackets + "\\\"" + brackets);
}

TEST(ParseRejects, WithOneSentenceNamingTheFieldAndTheValue) {
    Rejection const rejection =
        rejected(with_payload_field("call_status_2026.json", "callDuration", "12a"));
    EXPECT_EQ(rejection.message,
              R"(payload.callDuration must be an integer or a string of digits, got "12a")");
    // A field that holds a phone number is described by the kind of value only: the message
    // goes to the log and the reply, where privacy could not tell a bare number from others.
    EXPECT_EQ(rejected(with_payload_field("call_status_2026.json", "source", 6568)).message,
              "payload.source must be a string, got a number");
    EXPECT_EQ(rejected(with_payload_field("call_status_2026.json", "sourceRefId", 12)).message,
              "payload.sourceRefId must be a string, got a number");
    EXPECT_EQ(rejected(with_payload_field("call_status_2026.json", "callType", 12)).message,
              "payload.callType must be a string, got 12");
    EXPECT_EQ(rejected(without_payload_field("call_status_2026.json", "callId")).message,
              "payload.callId is required but missing");
    EXPECT_EQ(rejected(with_payload_field("call_status_2026.json", "callId", nullptr)).message,
              "payload.callId is required, got null");
}

TEST(ParseRejects, QuotingAtMostAShortExcerptOfALongValue) {
    Rejection const rejection = rejected(with_payload_field("call_status_2026.json", "callDuration",
                                                            std::string(100'000, '7') + "x"));
    EXPECT_EQ(rejection.code, RejectCode::invalid_value);
    EXPECT_LT(rejection.message.size(), 200U);
}

// ---------------------------------------------------------------------------------------------
// Robustness: parse_event is called with whatever arrives (and by fuzzers).

TEST(ParseEvent, NeverThrowsOnTruncatedOrCorruptedDocumentExamples) {
    for (std::string_view name : {"call_status_2026.json", "call_status_md.json",
                                  "session_summary_success.json", "session_summary_failure.json"}) {
        std::string const body = fixture(name);
        for (std::size_t length = 0; length <= body.size(); ++length) {
            EXPECT_NO_THROW((void)parse_event(std::string_view(body).substr(0, length)));
        }
        for (std::size_t pos = 0; pos < body.size(); ++pos) {
            for (char replacement : {'"', '{', '\xff', '9'}) {
                std::string corrupted = body;
                corrupted[pos] = replacement;
                EXPECT_NO_THROW((void)parse_event(corrupted)) << name << " at " << pos;
            }
        }
    }
}

TEST(ParseEvent, NeverThrowsOnPseudoRandomBytes) {
    std::uint64_t state = 0x9E3779B97F4A7C15ULL;  // xorshift: the same bytes on every run
    auto next = [&state] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    constexpr std::string_view kAlphabet = "{}[]\":,0123456789-.eE truefalsn\\u\x80\xff";
    for (int round = 0; round < 2000; ++round) {
        std::string body(next() % 64, ' ');
        for (char& c : body) {
            c = kAlphabet[next() % kAlphabet.size()];
        }
        EXPECT_NO_THROW((void)parse_event(body)) << body;
    }
}

TEST(ParseResult, ValueThrowsTheRejectionAsARuntimeError) {
    ParseResult const result =
        parse_event(with_payload_field("call_status_2026.json", "callDuration", "12a"));
    try {
        (void)result.value();
        FAIL() << "value() did not throw";
    } catch (std::runtime_error const& error) {
        EXPECT_THAT(error.what(), HasSubstr("invalid_value"));
        EXPECT_THAT(error.what(), HasSubstr("payload.callDuration"));
        EXPECT_THAT(error.what(), HasSubstr("12a"));
    }
}

TEST(ParseRejectCode, NamesEachCodeAsWritten) {
    EXPECT_EQ(to_string(RejectCode::invalid_json), "invalid_json");
    EXPECT_EQ(to_string(RejectCode::not_an_object), "not_an_object");
    EXPECT_EQ(to_string(RejectCode::missing_field), "missing_field");
    EXPECT_EQ(to_string(RejectCode::wrong_type), "wrong_type");
    EXPECT_EQ(to_string(RejectCode::invalid_value), "invalid_value");
    EXPECT_EQ(to_string(RejectCode::unsupported_event_type), "unsupported_event_type");
}

}  // namespace
}  // namespace callsink
