// build_session_timeline over real records (the 8x8 examples through parse_event and
// event_record): legs keyed by callId, statuses in time order whatever order the records come in,
// the summary's view of each leg, failures, recordings, redeliveries, masked numbers, and the
// texts that are not this session's records.
#include "callsink/records/session_timeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/events/msisdn_privacy.hpp"
#include "callsink/records/event_record.hpp"
#include "fixtures.hpp"
#include "parsed.hpp"

namespace callsink {
namespace {

using testing::fixture;
using testing::parsed;

constexpr std::string_view kSession = "1f048a84-ea6d-11ee-911b-078f7290bf52";
constexpr std::string_view kLegA = "1f048a83-ea6d-11ee-911b-e9023a97c284";
constexpr std::string_view kLegB = "1fbdef11-ea6d-11ee-9e30-e53b76c602ef";

// The record callsink stores for `body`, received at `at`, its numbers protected by `privacy`.
std::string record_of(std::string_view body, std::string const& at,
                      MsisdnPrivacy const& privacy = MsisdnPrivacy(MsisdnPolicy::clear)) {
    Event event = parsed(body);
    privacy.protect(event);
    std::string line = event_record(event, Received{at, "/", "127.0.0.1", "r-" + at}).line;
    line.pop_back();  // the '\n' a reader strips
    return line;
}

// The 2026 CALL_STATUS example, made an update of one leg of the success session.
std::string status_body(std::string_view event_id, std::string_view call_id,
                        std::string_view status, std::string_view timestamp, int duration = 0,
                        std::string_view session = kSession) {
    Json event = Json::parse(fixture("call_status_2026.json"));
    Json& payload = event["payload"];
    payload["eventId"] = event_id;
    payload["sessionId"] = session;
    payload["callId"] = call_id;
    payload["callStatus"] = status;
    payload["timestamp"] = timestamp;
    payload["callDuration"] = duration;
    return event.dump();
}

std::string with_session(std::string_view fixture_name, std::string_view session) {
    Json event = Json::parse(fixture(fixture_name));
    event["payload"]["sessionId"] = session;
    return event.dump();
}

// Both legs' updates and the summary, received in the order 8x8 would have sent them.
std::vector<std::string> success_records(
    MsisdnPrivacy const& privacy = MsisdnPrivacy(MsisdnPolicy::clear)) {
    return {
        record_of(status_body("e-1", kLegA, "CALL_RECEIVED", "2024-03-25T06:01:28.120Z"),
                  "2024-03-25T06:01:28.200Z", privacy),
        record_of(status_body("e-2", kLegB, "CALL_INITIATED", "2024-03-25T06:01:30Z"),
                  "2024-03-25T06:01:30.100Z", privacy),
        // The same instant written with an offset: ordered by the time it names.
        record_of(status_body("e-3", kLegA, "CALL_CONNECTED", "2024-03-25T14:01:37+08:00"),
                  "2024-03-25T06:01:37.100Z", privacy),
        record_of(status_body("e-4", kLegB, "CALL_CONNECTED", "2024-03-25T06:01:37.500Z"),
                  "2024-03-25T06:01:37.600Z", privacy),
        record_of(status_body("e-5", kLegB, "CALL_DISCONNECTED", "2024-03-25T06:01:50.200Z", 13),
                  "2024-03-25T06:01:50.300Z", privacy),
        record_of(status_body("e-6", kLegA, "CALL_DISCONNECTED", "2024-03-25T06:01:50Z", 13),
                  "2024-03-25T06:01:50.400Z", privacy),
        record_of(fixture("session_summary_success.json"), "2024-03-25T06:01:51.000Z", privacy),
    };
}

std::vector<std::string> statuses_of(TimelineLeg const& leg) {
    std::vector<std::string> out;
    for (LegStatus const& status : leg.statuses) {
        out.push_back(status.call_status + " " + status.timestamp);
    }
    return out;
}

TEST(SessionTimeline, PutsEachLegsStatusesInTimeOrderAndTheLegsByWhenTheyBegan) {
    auto const timeline = build_session_timeline(kSession, success_records());
    EXPECT_EQ(timeline.session_id, kSession);
    EXPECT_EQ(timeline.events, 7u);
    ASSERT_EQ(timeline.legs.size(), 2u);
    TimelineLeg const& a = timeline.legs[0];
    TimelineLeg const& b = timeline.legs[1];
    EXPECT_EQ(a.call_id, kLegA);
    EXPECT_EQ(a.name, "callA");
    EXPECT_EQ(statuses_of(a), (std::vector<std::string>{
                                  "CALL_RECEIVED 2024-03-25T06:01:28.120Z",
                                  "CALL_CONNECTED 2024-03-25T14:01:37+08:00",
                                  "CALL_DISCONNECTED 2024-03-25T06:01:50Z",
                              }));
    EXPECT_EQ(a.statuses.back().call_duration, 13);
    EXPECT_EQ(a.statuses.back().sip_code, 200);
    EXPECT_EQ(b.call_id, kLegB);
    EXPECT_EQ(b.name, "callB");
    EXPECT_EQ(statuses_of(b), (std::vector<std::string>{
                                  "CALL_INITIATED 2024-03-25T06:01:30Z",
                                  "CALL_CONNECTED 2024-03-25T06:01:37.500Z",
                                  "CALL_DISCONNECTED 2024-03-25T06:01:50.200Z",
                              }));
}

TEST(SessionTimeline, ReadsTheSameWhateverOrderTheRecordsComeIn) {
    auto const records = success_records();
    auto const in_order = build_session_timeline(kSession, records);
    std::mt19937 random(20260106);
    for (int round = 0; round < 20; ++round) {
        auto shuffled = records;
        std::shuffle(shuffled.begin(), shuffled.end(), random);
        auto const timeline = build_session_timeline(kSession, shuffled);
        ASSERT_EQ(timeline.legs.size(), 2u);
        for (std::size_t i = 0; i < 2; ++i) {
            EXPECT_EQ(timeline.legs[i].call_id, in_order.legs[i].call_id);
            EXPECT_EQ(statuses_of(timeline.legs[i]), statuses_of(in_order.legs[i]));
        }
    }
}

TEST(SessionTimeline, TakesEachLegsOutcomeQualityAndTimesFromTheSummary) {
    auto const timeline = build_session_timeline(kSession, success_records());
    TimelineLeg const& a = timeline.legs[0];
    EXPECT_EQ(a.call_direction, "INBOUND");
    EXPECT_EQ(a.call_type, "PSTN");
    EXPECT_EQ(a.source, "+12314377870");  // the summary's, over the status updates' own
    EXPECT_EQ(a.destination, "+6568332048");
    EXPECT_EQ(a.call_status, "COMPLETED");
    EXPECT_EQ(a.initiated_timestamp, "2024-03-25T06:01:28Z");
    EXPECT_EQ(a.connected_timestamp, "2024-03-25T06:01:37Z");
    EXPECT_EQ(a.disconnected_timestamp, "2024-03-25T06:01:50Z");
    EXPECT_EQ(a.call_duration, 13);
    ASSERT_TRUE(a.call_quality);
    EXPECT_EQ(a.call_quality->mos, 4.5);
    EXPECT_EQ(a.call_quality->packet_loss_rate, 0.0);
    EXPECT_EQ(a.call_quality->jitter, 20);
    EXPECT_EQ(timeline.legs[1].call_quality->jitter, 19);
    EXPECT_FALSE(a.error_details);

    ASSERT_TRUE(timeline.summary);
    EXPECT_EQ(timeline.summary->session_status, "COMPLETED");
    EXPECT_EQ(timeline.summary->start_time, "2024-03-25T06:01:30Z");
    EXPECT_EQ(timeline.summary->end_time, "2024-03-25T06:01:50Z");
    EXPECT_EQ(timeline.summary->call_count, 2);
    EXPECT_EQ(timeline.summary->last_action, "MAKE_CALL");
    EXPECT_EQ(timeline.summary->sub_account_id, "8x8_test");
    EXPECT_FALSE(timeline.summary->error_details);
}

TEST(SessionTimeline, AFailedSessionCarriesItsErrorAndItsLegsOutcome) {
    constexpr std::string_view failed = "47f19e66-2163-11ee-8ccd-27b543a164ea";
    std::vector<std::string> const records{
        record_of(fixture("session_summary_failure.json"), "2023-07-13T09:54:39.000Z"),
    };
    auto const timeline = build_session_timeline(failed, records);
    ASSERT_TRUE(timeline.summary);
    EXPECT_EQ(timeline.summary->session_status, "ERROR");
    EXPECT_EQ(timeline.summary->last_action, "PLAY_TTS");
    ASSERT_TRUE(timeline.summary->error_details);
    EXPECT_EQ(timeline.summary->error_details->error_code, -2005);
    EXPECT_EQ(timeline.summary->error_details->error_msg,
              "No coverage available for requested area");
    ASSERT_EQ(timeline.legs.size(), 1u);
    EXPECT_EQ(timeline.legs[0].name, "callA");
    EXPECT_EQ(timeline.legs[0].call_status, "ERROR");
    EXPECT_TRUE(timeline.legs[0].statuses.empty());  // no status update was stored
    EXPECT_FALSE(timeline.legs[0].connected_timestamp);
    EXPECT_FALSE(timeline.legs[0].call_quality);
}

TEST(SessionTimeline, KeepsALegsOwnErrorAndNumbersThatCameAsStrings) {
    constexpr std::string_view session = "5d1c7a10-0004-4c2e-9a51-0000000000b1";
    std::vector<std::string> const records{
        record_of(fixture("session_summary_numbers_as_strings.json"), "2024-03-25T06:02:11.000Z"),
    };
    auto const timeline = build_session_timeline(session, records);
    ASSERT_EQ(timeline.legs.size(), 2u);
    TimelineLeg const& b = timeline.legs[1];
    EXPECT_EQ(b.name, "callB");
    EXPECT_EQ(b.call_status, "NO ANSWER");
    ASSERT_TRUE(b.error_details);
    EXPECT_EQ(b.error_details->error_code, -9999);
    EXPECT_EQ(b.error_details->error_msg, "No answer");
    EXPECT_EQ(timeline.legs[0].call_quality->mos, 4.1);  // the record has 4.1, not "4.1"
    EXPECT_EQ(timeline.summary->call_count, 2);
    EXPECT_EQ(timeline.summary->error_details->error_code, -2005);
}

TEST(SessionTimeline, WithoutASummaryTheLegsComeFromTheStatusUpdatesAlone) {
    auto records = success_records();
    records.pop_back();
    auto const timeline = build_session_timeline(kSession, records);
    EXPECT_FALSE(timeline.summary);
    ASSERT_EQ(timeline.legs.size(), 2u);
    EXPECT_EQ(timeline.legs[0].name, "");
    EXPECT_EQ(timeline.legs[0].call_id, kLegA);
    EXPECT_EQ(timeline.legs[0].source, "+656833033");  // the 2026 example's own numbers
    EXPECT_FALSE(timeline.legs[0].call_status);
}

TEST(SessionTimeline, ShowsNumbersAsStoredUnderMaskAndHash) {
    for (MsisdnPolicy const policy : {MsisdnPolicy::mask, MsisdnPolicy::hash}) {
        MsisdnPrivacy const privacy(policy, "0123456789abcdef-unit-test-key");
        auto const timeline = build_session_timeline(kSession, success_records(privacy));
        ASSERT_EQ(timeline.legs.size(), 2u);
        EXPECT_EQ(timeline.legs[0].source, privacy.protect_number("+12314377870"));
        EXPECT_EQ(timeline.legs[0].destination, privacy.protect_number("+6568332048"));
        EXPECT_EQ(timeline.legs[1].destination, privacy.protect_number("+6591178965"));
        EXPECT_NE(timeline.legs[1].destination, "+6591178965");
    }
}

TEST(SessionTimeline, CountsARedeliveredStatusOrSummaryOnce) {
    auto records = success_records();
    records.push_back(
        record_of(status_body("e-3", kLegA, "CALL_CONNECTED", "2024-03-25T14:01:37+08:00"),
                  "2024-03-25T07:00:00.000Z"));
    records.push_back(record_of(fixture("session_summary_success.json"), "2024-03-25T07:00:01Z"));
    auto const timeline = build_session_timeline(kSession, records);
    EXPECT_EQ(timeline.events, 7u);
    EXPECT_EQ(timeline.redeliveries, 2u);
    EXPECT_EQ(timeline.legs[0].statuses.size(), 3u);
    EXPECT_EQ(timeline.legs[0].statuses[1].received_at, "2024-03-25T06:01:37.100Z");  // the first
}

TEST(SessionTimeline, AStatusWithoutATimeGoesAfterThoseWithOneInArrivalOrder) {
    std::vector<std::string> records{
        record_of(status_body("e-2", kLegA, "CALL_CONNECTED", "2024-03-25T06:01:37Z"),
                  "2024-03-25T06:01:37.100Z"),
        record_of(status_body("e-1", kLegA, "CALL_INITIATED", "2024-03-25T06:01:30Z"),
                  "2024-03-25T06:01:38.000Z"),
    };
    Json untimed = Json::parse(status_body("e-3", kLegA, "CALL_UPDATED", "x"));
    untimed["payload"].erase("timestamp");
    records.insert(records.begin(), record_of(untimed.dump(), "2024-03-25T06:01:31.000Z"));
    auto const timeline = build_session_timeline(kSession, records);
    ASSERT_EQ(timeline.legs.size(), 1u);
    EXPECT_EQ(statuses_of(timeline.legs[0]), (std::vector<std::string>{
                                                 "CALL_INITIATED 2024-03-25T06:01:30Z",
                                                 "CALL_CONNECTED 2024-03-25T06:01:37Z",
                                                 "CALL_UPDATED ",
                                             }));
}

TEST(SessionTimeline, ListsTheSessionsRecordings) {
    auto records = success_records();
    std::string const recording = with_session("call_recording_status.json", kSession);
    records.push_back(record_of(recording, "2024-03-25T06:03:00.000Z"));
    records.push_back(record_of(recording, "2024-03-25T06:04:00.000Z"));  // redelivered
    auto const timeline = build_session_timeline(kSession, records);
    ASSERT_EQ(timeline.recordings.size(), 1u);
    EXPECT_EQ(timeline.recordings[0].recording_id, "eef54fc2-065a-11ec-bce9-ed1000154345");
    EXPECT_EQ(timeline.recordings[0].status, "UPLOAD_COMPLETED");
    EXPECT_EQ(timeline.recordings[0].duration_seconds, 25);
    EXPECT_EQ(timeline.recordings[0].received_at, "2024-03-25T06:03:00.000Z");
    EXPECT_EQ(timeline.events, 8u);
    EXPECT_EQ(timeline.redeliveries, 1u);
}

TEST(SessionTimeline, SkipsOtherSessionsAndTextsThatAreNotRecords) {
    // What a substring prefilter lets through: an id inside another value, a torn line.
    std::string const other = record_of(
        status_body("e-9", kLegA, "CALL_RECEIVED", "2024-03-25T06:01:28Z", 0, "another-session"),
        "2024-03-25T06:01:28.000Z");
    std::vector<std::string> const records{
        other,
        std::string(R"({"received":{"at":"x"},"error":{"code":"invalid_json"},"body":")") +
            std::string(kSession) + "\"}",
        "{\"eventType\":\"CALL_STATUS\",\"payload\":{\"sessionId\":\"" + std::string(kSession),
        "",
    };
    auto const timeline = build_session_timeline(kSession, records);
    EXPECT_TRUE(timeline.empty());
    EXPECT_TRUE(timeline.legs.empty());
    EXPECT_EQ(timeline.unreadable, 2u);
}

}  // namespace
}  // namespace callsink
