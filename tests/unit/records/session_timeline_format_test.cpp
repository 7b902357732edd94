// session_timeline_text and session_timeline_json over timelines built by hand: the text's lines
// and their order, what it leaves out, how it shows values that are not plain tokens; the JSON's
// names and absent values.
#include "callsink/records/session_timeline_format.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace callsink {
namespace {

SessionTimeline two_leg_timeline() {
    SessionTimeline timeline;
    timeline.session_id = "s-1";
    timeline.events = 5;
    TimelineLeg a;
    a.name = "callA";
    a.call_id = "c-a";
    a.call_direction = "INBOUND";
    a.call_type = "PSTN";
    a.source = "+1******7870";
    a.destination = "+65****2048";
    a.statuses = {{"CALL_RECEIVED", "2024-03-25T06:01:28Z", 0, 200, "r1"},
                  {"CALL_DISCONNECTED", "2024-03-25T06:01:50Z", 13, 486, "r2"}};
    a.call_status = "COMPLETED";
    a.initiated_timestamp = "2024-03-25T06:01:28Z";
    a.disconnected_timestamp = "2024-03-25T06:01:50Z";
    a.call_duration = 13;
    a.call_quality = LegQuality{4.5, 0.0, 20};
    TimelineLeg b;
    b.name = "callB";
    b.call_id = "c-b";
    b.call_status = "NO ANSWER";
    b.error_details = TimelineError{-9999, "No answer"};
    timeline.legs = {a, b};
    timeline.summary = TimelineSummary{"FAILED",
                                       "2024-03-25T06:01:30Z",
                                       "2024-03-25T06:01:50Z",
                                       2,
                                       "MAKE_CALL",
                                       "8x8_test",
                                       TimelineError{-2005, "No coverage"}};
    timeline.recordings = {
        {"rec-1", "UPLOAD_COMPLETED", 25, "bucket/rec-1.mp3", "2024-03-25T06:03Z"}};
    return timeline;
}

TEST(SessionTimelineText, ShowsEachLegThenTheSummaryThenTheRecordings) {
    EXPECT_EQ(session_timeline_text(two_leg_timeline()),
              "session s-1: 5 events\n"
              "\n"
              "callA  call c-a  INBOUND  PSTN  +1******7870 -> +65****2048\n"
              "  2024-03-25T06:01:28Z      CALL_RECEIVED\n"
              "  2024-03-25T06:01:50Z      CALL_DISCONNECTED  13 s, sip 486\n"
              "  outcome  COMPLETED after 13 s: initiated 2024-03-25T06:01:28Z, disconnected "
              "2024-03-25T06:01:50Z\n"
              "  quality  mos 4.5, packet loss 0.0, jitter 20\n"
              "\n"
              "callB  call c-b\n"
              "  outcome  \"NO ANSWER\"\n"
              "  error    -9999 \"No answer\"\n"
              "\n"
              "summary  FAILED, 2024-03-25T06:01:30Z to 2024-03-25T06:01:50Z, 2 calls, last action "
              "MAKE_CALL\n"
              "  error  -2005 \"No coverage\"\n"
              "\n"
              "recording rec-1  UPLOAD_COMPLETED, 25 s, bucket/rec-1.mp3  (received "
              "2024-03-25T06:03Z)\n");
}

TEST(SessionTimelineText, SaysSoWhenThereIsNoSummaryYetAndCountsRedeliveries) {
    SessionTimeline timeline;
    timeline.session_id = "s-2";
    timeline.events = 1;
    timeline.redeliveries = 1;
    TimelineLeg leg;
    leg.call_id = "c-1";
    leg.statuses = {{"CALL_INITIATED", "", std::nullopt, std::nullopt, "r"}};
    timeline.legs = {leg};
    EXPECT_EQ(session_timeline_text(timeline),
              "session s-2: 1 event (and 1 redelivery, not shown)\n"
              "\n"
              "leg  call c-1\n"
              "  (no time)                 CALL_INITIATED\n"
              "\n"
              "summary  none stored: the session may not have ended\n");
}

TEST(SessionTimelineText, QuotesValuesThatCouldBreakALineOrDriveTheTerminal) {
    SessionTimeline timeline;
    timeline.session_id = "s-3";
    timeline.events = 1;
    TimelineLeg leg;
    leg.call_id = "c-1\nsummary  COMPLETED";
    leg.statuses = {{"NEW\x1b[31m", "2024-03-25T06:01:28Z", std::nullopt, std::nullopt, "r"}};
    timeline.legs = {leg};
    std::string const text = session_timeline_text(timeline);
    EXPECT_NE(text.find("leg  call \"c-1\\nsummary  COMPLETED\"\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\"NEW\\u001b[31m\""), std::string::npos) << text;
    EXPECT_EQ(text.find('\x1b'), std::string::npos);
}

TEST(SessionTimelineJson, UsesEightByEightsNamesAndLeavesOutWhatIsAbsent) {
    auto const json = nlohmann::json::parse(session_timeline_json(two_leg_timeline()));
    EXPECT_EQ(json["sessionId"], "s-1");
    ASSERT_EQ(json["legs"].size(), 2u);
    auto const& a = json["legs"][0];
    EXPECT_EQ(a["leg"], "callA");
    EXPECT_EQ(a["callId"], "c-a");
    EXPECT_EQ(a["source"], "+1******7870");
    EXPECT_EQ(a["statuses"][1], (nlohmann::json{{"callStatus", "CALL_DISCONNECTED"},
                                                {"timestamp", "2024-03-25T06:01:50Z"},
                                                {"callDuration", 13},
                                                {"sipCode", 486}}));
    EXPECT_EQ(a["callQuality"],
              (nlohmann::json{{"mos", 4.5}, {"packetLossRate", 0.0}, {"jitter", 20}}));
    EXPECT_FALSE(a.contains("connectedTimestamp"));
    EXPECT_FALSE(a.contains("errorDetails"));
    auto const& b = json["legs"][1];
    EXPECT_FALSE(b.contains("source"));
    EXPECT_EQ(b["statuses"], nlohmann::json::array());
    EXPECT_EQ(b["errorDetails"], (nlohmann::json{{"errorCode", -9999}, {"errorMsg", "No answer"}}));
    auto const& summary = json["summary"];
    EXPECT_EQ(summary["sessionStatus"], "FAILED");
    EXPECT_EQ(summary["callCount"], 2);
    EXPECT_EQ(
        summary["errors"],
        (nlohmann::json{{{"errorCode", -2005}, {"errorMsg", "No coverage"}},
                        {{"leg", "callB"}, {"errorCode", -9999}, {"errorMsg", "No answer"}}}));
    EXPECT_EQ(json["recordings"][0]["filePath"], "bucket/rec-1.mp3");
}

TEST(SessionTimelineJson, HasANullSummaryUntilOneIsStored) {
    SessionTimeline timeline;
    timeline.session_id = "s-2";
    auto const json = nlohmann::json::parse(session_timeline_json(timeline));
    EXPECT_TRUE(json["summary"].is_null());
    EXPECT_EQ(json["legs"], nlohmann::json::array());
    EXPECT_EQ(json["recordings"], nlohmann::json::array());
}

}  // namespace
}  // namespace callsink
