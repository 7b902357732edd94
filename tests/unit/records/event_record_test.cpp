// The JSON Lines records of docs/records.md: event records written back from parsed fixtures
// (tests/data), and rejection records for any body bytes.
#include "callsink/records/event_record.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/beast/core/detail/base64.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/events/parse.hpp"
#include "fixtures.hpp"
#include "parsed.hpp"

namespace callsink {
namespace {

using testing::parsed;

using ::testing::HasSubstr;

// The examples the 8x8 documents give, as they give them.
constexpr std::string_view kSeedFixtures[] = {
    "call_status_2026.json",        "call_status_md.json",        "session_summary_success.json",
    "session_summary_failure.json", "virtual_number_update.json", "call_recording_status.json",
};

using testing::fixture;

Received const kReceived{"2026-11-22T18:00:00.123Z", "/status", "203.0.113.7", "req-0001"};

std::string record_of(std::string_view body) {
    return event_record(parsed(body), kReceived).line;
}

// A record must be exactly one line: compact JSON and one final '\n'.
void expect_one_line(std::string const& record) {
    ASSERT_FALSE(record.empty());
    EXPECT_EQ(record.back(), '\n');
    EXPECT_EQ(std::count(record.begin(), record.end(), '\n'), 1) << record;
}

// The record as JSON, key order kept.
Json read_back(std::string const& record) {
    Json json = Json::parse(record, nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << record;
    return json;
}

std::vector<std::string> keys_of(Json const& object) {
    std::vector<std::string> keys;
    for (auto it = object.begin(); it != object.end(); ++it) {
        keys.push_back(it.key());
    }
    return keys;
}

std::string base64_decode(std::string_view text) {
    namespace base64 = boost::beast::detail::base64;
    std::string bytes(base64::decoded_size(text.size()), '\0');
    auto const [written, read] = base64::decode(bytes.data(), text.data(), text.size());
    EXPECT_EQ(text.substr(read).find_first_not_of('='), std::string_view::npos);  // padding only
    bytes.resize(written);
    return bytes;
}

// ---------------------------------------------------------------------------------------------
// Event records

TEST(RecordEvent, IsOneLineEndingInOneNewline) {
    for (std::string const& name : testing::accepted_fixtures()) {
        SCOPED_TRACE(name);
        expect_one_line(record_of(fixture(name)));
    }
}

TEST(RecordEvent, StaysOneLineWhenStringsHoldNewlines) {
    Json body = Json::parse(fixture("call_status_2026.json"));
    body["description"] = "line one\nline two\r\n";
    body["payload"]["eventData"] = "1\n2";
    body["payload"]["note"] = {{"multi\nline key", "a\u2028b"}};
    std::string const record = record_of(body.dump());
    expect_one_line(record);
    Json const back = read_back(record);
    EXPECT_EQ(back.at("description"), "line one\nline two\r\n");
    EXPECT_EQ(back.at("payload").at("eventData"), "1\n2");
    EXPECT_EQ(back.at("payload").at("note"), body["payload"]["note"]);
}

TEST(RecordEvent, PutsTheEnvelopeFirstAndReceivedLast) {
    Json const record = read_back(record_of(fixture("call_status_2026.json")));
    EXPECT_THAT(keys_of(record), ::testing::ElementsAre("namespace", "eventType", "description",
                                                        "payload", "received"));
    EXPECT_THAT(keys_of(record.at("received")),
                ::testing::ElementsAre("at", "path", "remote", "requestId"));
    EXPECT_EQ(record.at("received").at("at"), "2026-11-22T18:00:00.123Z");
    EXPECT_EQ(record.at("received").at("path"), "/status");
    EXPECT_EQ(record.at("received").at("remote"), "203.0.113.7");
    EXPECT_EQ(record.at("received").at("requestId"), "req-0001");
}

TEST(RecordEvent, KeepsEveryFieldOfTheDocumentExamples) {
    for (std::string_view name : kSeedFixtures) {
        SCOPED_TRACE(name);
        // Unordered nlohmann::json: the documents' key order is not part of the comparison, and
        // 0 equals 0.0 (packetLossRate is a Float written as 0).
        nlohmann::json record = nlohmann::json::parse(record_of(fixture(name)));
        record.erase("received");
        EXPECT_EQ(record, nlohmann::json::parse(fixture(name)));
    }
}

TEST(RecordEvent, WritesFieldsInTheDocumentsOrder) {
    Json const original = Json::parse(fixture("session_summary_success.json"));
    Json const record = read_back(record_of(fixture("session_summary_success.json")));
    EXPECT_EQ(keys_of(record.at("payload")), keys_of(original.at("payload")));
    EXPECT_THAT(keys_of(record.at("payload").at("details")),
                ::testing::ElementsAre("callB", "callA"));
    EXPECT_EQ(keys_of(record.at("payload").at("details").at("callA")),
              keys_of(original.at("payload").at("details").at("callA")));

    Json const call = Json::parse(fixture("call_status_md.json"));
    EXPECT_EQ(keys_of(read_back(record_of(call.dump())).at("payload")),
              keys_of(call.at("payload")));
}

TEST(RecordEvent, WritesNumbersSentAsStringsAsNumbers) {
    Json const call = read_back(record_of(fixture("call_status_numbers_as_strings.json")));
    EXPECT_TRUE(call.at("payload").at("callDuration").is_number_integer());
    EXPECT_EQ(call.at("payload").at("callDuration"), 42);
    EXPECT_EQ(call.at("payload").at("sipCode"), 200);

    Json const summary = read_back(record_of(fixture("session_summary_numbers_as_strings.json")));
    Json const& payload = summary.at("payload");
    EXPECT_EQ(payload.at("callCount"), 2);
    EXPECT_EQ(payload.at("errorDetails").at("errorCode"), -2005);
    Json const& quality = payload.at("details").at("callA").at("callQuality");
    EXPECT_TRUE(quality.at("mos").is_number_float());
    EXPECT_DOUBLE_EQ(quality.at("mos").get<double>(), 4.1);
    EXPECT_DOUBLE_EQ(quality.at("packetLossRate").get<double>(), 0.5);
    EXPECT_EQ(quality.at("jitter"), 12);
    EXPECT_EQ(payload.at("details").at("callB").at("errorDetails").at("errorCode"), -9999);
}

TEST(RecordEvent, LeavesOutAbsentAndNullFields) {
    Json const record = read_back(record_of(fixture("call_status_nulls.json")));
    EXPECT_FALSE(record.contains("description"));
    Json const& payload = record.at("payload");
    for (char const* key : {"subAccountId", "sourceCountryCode", "destinationCountryCode",
                            "destinationRefId", "callDuration", "eventData", "sipCode"}) {
        EXPECT_FALSE(payload.contains(key)) << key;
    }
    EXPECT_EQ(payload.at("sourceRefId"), "NumberRef1");
    EXPECT_EQ(record.dump().find("null"), std::string::npos);
}

TEST(RecordEvent, WritesUnknownFieldsUnchanged) {
    Json const original = Json::parse(fixture("call_status_unknown_fields.json"));
    Json const record = read_back(record_of(fixture("call_status_unknown_fields.json")));
    EXPECT_EQ(record.at("version"), 2);
    EXPECT_EQ(record.at("deliveryAttempt"), original.at("deliveryAttempt"));
    EXPECT_EQ(record.at("deliveryAttempt").dump(), R"({"number":1,"lastError":null})");
    for (char const* key : {"ringDuration", "customerRef", "carrier", "score"}) {
        EXPECT_EQ(record.at("payload").at(key), original.at("payload").at(key)) << key;
    }
    EXPECT_EQ(record.at("payload").at("carrier").dump(),
              R"({"name":"Example Telecom","mccMnc":["525","01"],"roaming":false})");
    EXPECT_EQ(keys_of(record).back(), "received");
}

TEST(RecordEvent, WritesUnknownFieldsOfEveryLevelOfASessionSummary) {
    nlohmann::json record =
        nlohmann::json::parse(record_of(fixture("session_summary_unknown_fields.json")));
    nlohmann::json original = nlohmann::json::parse(fixture("session_summary_unknown_fields.json"));
    record.erase("received");
    original["payload"]["details"].erase("callB");  // null: the same as absent
    EXPECT_EQ(record, original);
}

TEST(RecordEvent, WritesEventDataAsReceived) {
    Json const with_object = read_back(record_of(fixture("call_status_event_data_object.json")));
    EXPECT_EQ(with_object.at("payload").at("eventData").dump(), R"({"dtmf":"1234#","attempts":1})");
    Json const with_string = read_back(record_of(fixture("call_status_md.json")));
    EXPECT_EQ(with_string.at("payload").at("eventData"), " ");
}

TEST(RecordEvent, KeepsAnEnvelopeMemberNamedReceivedAsOriginal) {
    Json body = Json::parse(fixture("call_status_2026.json"));
    body["received"] = {{"by", "8x8"}, {"attempt", 3}};
    std::string const record = record_of(body.dump());
    expect_one_line(record);

    std::size_t occurrences = 0;
    for (std::size_t pos = record.find("\"received\":"); pos != std::string::npos;
         pos = record.find("\"received\":", pos + 1)) {
        ++occurrences;
    }
    EXPECT_EQ(occurrences, 1U) << record;

    Json const back = read_back(record);
    EXPECT_EQ(keys_of(back).back(), "received");
    EXPECT_THAT(keys_of(back.at("received")),
                ::testing::ElementsAre("at", "path", "remote", "requestId", "original"));
    EXPECT_EQ(back.at("received").at("original"), body.at("received"));
    EXPECT_EQ(back.at("received").at("requestId"), "req-0001");
}

TEST(RecordEvent, NeverThrowsForAnEventBuiltByHandWithInvalidUtf8) {
    Event event;
    event.envelope.event_type = "CALL_STATUS";
    CallStatus call;
    call.event_id = "e\xff";
    call.call_id = "c";
    call.session_id = "s";
    call.call_status = "CALL_INITIATED";
    event.payload = call;
    std::string record;
    EXPECT_NO_THROW(record = event_record(event, kReceived).line);
    expect_one_line(record);
    EXPECT_EQ(read_back(record).at("payload").at("eventId"), "e\xEF\xBF\xBD");
}

TEST(RecordEvent, IsOneValidLineForEveryCorruptedExampleThatStillParses) {
    for (std::string_view name : kSeedFixtures) {
        std::string const body = fixture(name);
        for (std::size_t pos = 0; pos < body.size(); ++pos) {
            for (char replacement : {'0', '"'}) {
                std::string corrupted = body;
                corrupted[pos] = replacement;
                ParseResult const result = parse_event(corrupted);
                if (!result) {
                    continue;
                }
                std::string const record = event_record(*result, kReceived).line;
                ASSERT_EQ(std::count(record.begin(), record.end(), '\n'), 1) << corrupted;
                ASSERT_TRUE(parse_event(record).has_value()) << record;
            }
        }
    }
}

TEST(RecordEvent, ReceivedMetadataAsJson) {
    EXPECT_EQ(to_json(kReceived).dump(),
              R"({"at":"2026-11-22T18:00:00.123Z","path":"/status","remote":"203.0.113.7",)"
              R"("requestId":"req-0001"})");
}

// ---------------------------------------------------------------------------------------------
// Rejection records

TEST(RecordRejection, HoldsReceivedErrorAndTheBodyAsAString) {
    std::string const body = "{\"eventType\":\"CALL_STATUS\",\n\"payload\":{}}";
    Rejection const rejection{RejectCode::missing_field, "payload.eventId",
                              "payload.eventId is required but missing"};
    std::string const record = rejection_record(rejection, body, kReceived).line;
    expect_one_line(record);
    Json const back = read_back(record);
    EXPECT_THAT(keys_of(back), ::testing::ElementsAre("received", "error", "body"));
    EXPECT_EQ(back.at("received"), to_json(kReceived));
    EXPECT_EQ(back.at("error").dump(),
              R"({"code":"missing_field","message":"payload.eventId is required but missing",)"
              R"("field":"payload.eventId"})");
    EXPECT_EQ(back.at("body"), body);
}

TEST(RecordRejection, LeavesOutAnEmptyField) {
    Rejection const rejection{RejectCode::invalid_json, "", "body is not valid JSON at byte 1"};
    Json const back = read_back(rejection_record(rejection, "x", kReceived).line);
    EXPECT_EQ(back.at("error").dump(),
              R"({"code":"invalid_json","message":"body is not valid JSON at byte 1"})");
}

TEST(RecordRejection, WritesAnEmptyBody) {
    Rejection const rejection{RejectCode::invalid_json, "",
                              "body is empty; expected a JSON object"};
    std::string const record = rejection_record(rejection, "", kReceived).line;
    expect_one_line(record);
    EXPECT_EQ(read_back(record).at("body"), "");
}

TEST(RecordRejection, WritesABinaryBodyAsBase64) {
    std::string body("\xff\x00\x01{\"a\":1}\n\x80", 12);
    for (std::size_t length = 1; length <= body.size(); ++length) {  // every padding length
        std::string const bytes = body.substr(0, length);
        Rejection const rejection{RejectCode::invalid_json, "", "not UTF-8"};
        std::string const record = rejection_record(rejection, bytes, kReceived).line;
        expect_one_line(record);
        Json const back = read_back(record);
        EXPECT_FALSE(back.contains("body"));
        ASSERT_TRUE(back.contains("body_base64"));
        EXPECT_EQ(base64_decode(back.at("body_base64").get<std::string>()), bytes) << length;
    }
    EXPECT_THAT(rejection_record({}, "\xff", kReceived).line, HasSubstr(R"("body_base64":"/w==")"));
    EXPECT_THAT(rejection_record({}, "\xff\xfe", kReceived).line,
                HasSubstr(R"("body_base64":"//4=")"));
    EXPECT_THAT(rejection_record({}, "\xff\xfe\xfd", kReceived).line,
                HasSubstr(R"("body_base64":"//79")"));
}

TEST(RecordRejection, KeepsAValidUtf8BodyWithControlBytesAsAString) {
    std::string const body("caf\xc3\xa9 \x00\x1f\t\"\\", 11);
    Json const back = read_back(rejection_record({}, body, kReceived).line);
    EXPECT_EQ(back.at("body"), body);
}

TEST(RecordRejection, IsOneLineForEveryByteValue) {
    std::string body;
    for (int byte = 0; byte < 256; ++byte) {
        body.push_back(static_cast<char>(byte));
    }
    Rejection const rejection{RejectCode::invalid_json, "", "message with\nnewline \xff"};
    std::string record;
    EXPECT_NO_THROW(record = rejection_record(rejection, body, kReceived).line);
    expect_one_line(record);
    EXPECT_EQ(base64_decode(read_back(record).at("body_base64").get<std::string>()), body);
}

TEST(RecordRejection, OfEachParseRejectionOfTheBodyItCameFrom) {
    for (std::string_view body : {"nope", "[]", R"({"eventType":"CALL_ACTION","payload":{}})",
                                  R"({"eventType":"CALL_STATUS","payload":{"callId":5}})"}) {
        ParseResult const result = parse_event(body);
        ASSERT_FALSE(result.has_value());
        Json const back = read_back(rejection_record(result.error(), body, kReceived).line);
        EXPECT_EQ(back.at("error").at("code"), to_string(result.error().code));
        EXPECT_EQ(back.at("error").at("message"), result.error().message);
        EXPECT_EQ(back.at("body"), body);
    }
}

}  // namespace
}  // namespace callsink
