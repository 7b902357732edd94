// The one-pass encoder with [privacy] on, against the general path (parse_event, protect,
// event_record): on every body it takes, in mask and in hash mode, its Record must be the general
// path's byte for byte. And it must take the deliveries 8x8 really sends, or the privacy modes
// silently stay on the slow path.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "callsink/ingest/ingest.hpp"
#include "callsink/records/one_pass_encoder.hpp"
#include "fixtures.hpp"

namespace callsink {
namespace {

Received const kReceived{"2026-11-22T18:00:00.123Z", "/status", "203.0.113.7", "abc-0001"};

std::vector<MsisdnPrivacy> const& policies() {
    static std::vector<MsisdnPrivacy> const all{
        MsisdnPrivacy(MsisdnPolicy::mask),
        MsisdnPrivacy(MsisdnPolicy::hash, "a key of at least sixteen bytes"),
    };
    return all;
}

// Whether the one-pass encoder took `body` under `privacy`; where it did, its Record must be the
// general path's.
bool agrees(std::string_view body, MsisdnPrivacy const& privacy) {
    auto const one_pass = encode_one_pass(body, kReceived, privacy);
    if (!one_pass) {
        return false;
    }
    Ingested const general = ingest_general(body, kReceived, privacy);
    EXPECT_FALSE(general.rejection.has_value()) << "taken but the general path rejects: " << body;
    EXPECT_TRUE(general.notes.empty()) << "taken with notes: " << body;
    EXPECT_EQ(one_pass->line, general.record.line) << to_string(privacy.policy()) << ": " << body;
    EXPECT_TRUE(one_pass->summary == general.record.summary) << body;
    EXPECT_EQ(one_pass->redelivery_key, general.record.redelivery_key) << body;
    return true;
}

TEST(OnePassPrivacy, TakesTheSeedShapesAndAgreesWithTheGeneralPath) {
    for (char const* name :
         {"call_status_2026.json", "call_status_numbers_as_strings.json",
          "session_summary_success.json", "session_summary_failure.json",
          "session_summary_numbers_as_strings.json", "call_recording_status.json"}) {
        for (MsisdnPrivacy const& privacy : policies()) {
            EXPECT_TRUE(agrees(testing::fixture(name), privacy))
                << "declined in " << to_string(privacy.policy()) << " mode: " << name;
        }
    }
}

TEST(OnePassPrivacy, ProtectsTheNumbersItCopies) {
    std::string const body = testing::fixture("call_status_2026.json");
    auto const masked = encode_one_pass(body, kReceived, policies()[0]);
    ASSERT_TRUE(masked.has_value());
    EXPECT_EQ(masked->line.find("+656833033"), std::string::npos);
    EXPECT_EQ(masked->line.find("+94778066434"), std::string::npos);
    EXPECT_NE(masked->line.find(R"("source":"+65)"), std::string::npos) << masked->line;
    auto const hashed = encode_one_pass(body, kReceived, policies()[1]);
    ASSERT_TRUE(hashed.has_value());
    EXPECT_NE(hashed->line.find(R"("source":"msisdn:)"), std::string::npos) << hashed->line;
    EXPECT_EQ(hashed->line.find("6568"), std::string::npos);
}

// Every fixture, taken or not: where taken, the same record as the general path.
TEST(OnePassPrivacy, AgreesOnEveryFixtureItTakes) {
    for (auto const& entry : std::filesystem::directory_iterator(CALLSINK_TEST_DATA_DIR)) {
        if (entry.path().extension() != ".json") {
            continue;
        }
        std::string const body = testing::read_file(entry.path());
        for (MsisdnPrivacy const& privacy : policies()) {
            agrees(body, privacy);
        }
    }
}

// What protect() reaches by walking unknown JSON, and a type keyed by its whole payload, go to
// the general path; so does a number written with an escape.
TEST(OnePassPrivacy, DeclinesWhatOnlyTheGeneralPathProtects) {
    for (char const* name :
         {"call_status_unknown_fields.json", "call_status_event_data_object.json",
          "session_summary_unknown_fields.json", "virtual_number_update.json"}) {
        for (MsisdnPrivacy const& privacy : policies()) {
            EXPECT_FALSE(agrees(testing::fixture(name), privacy))
                << "taken in " << to_string(privacy.policy()) << " mode: " << name;
        }
    }
    std::string const escaped = R"({"eventType":"CALL_STATUS","payload":{"eventId":"e1",)"
                                R"("callId":"c1","sessionId":"s1","callStatus":"CALL_INITIATED",)"
                                R"("source":"\u002B6591178965"}})";
    for (MsisdnPrivacy const& privacy : policies()) {
        EXPECT_FALSE(agrees(escaped, privacy));
        EXPECT_EQ(ingest_delivery(escaped, kReceived, privacy).record.line.find("91178965"),
                  std::string::npos);
    }
}

// Free text (the description, ref ids, error messages) is scrubbed as the general path does.
TEST(OnePassPrivacy, ScrubsFreeTextAsTheGeneralPathDoes) {
    std::string const body =
        R"({"eventType":"CALL_STATUS","description":"call from +6591178965","payload":{)"
        R"("eventId":"e1","callId":"c1","sessionId":"s1","callStatus":"CALL_INITIATED",)"
        R"("sourceRefId":"ref +44 20 7946 0958"}})";
    for (MsisdnPrivacy const& privacy : policies()) {
        EXPECT_TRUE(agrees(body, privacy)) << to_string(privacy.policy());
        auto const record = encode_one_pass(body, kReceived, privacy);
        ASSERT_TRUE(record.has_value());
        EXPECT_EQ(record->line.find("91178965"), std::string::npos) << record->line;
        EXPECT_EQ(record->line.find("7946 0958"), std::string::npos) << record->line;
    }
}

}  // namespace
}  // namespace callsink
