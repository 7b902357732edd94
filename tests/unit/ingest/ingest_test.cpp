#include "callsink/ingest/ingest.hpp"

#include <gtest/gtest.h>

#include <string>

#include "fixtures.hpp"

namespace callsink {
namespace {

using testing::fixture;

Received received() {
    return {"2026-11-22T18:00:00.000Z", "/status", "127.0.0.1", "r-1"};
}

TEST(RedeliveryKey, IsAFixedSizeDigestWhateverTheIdsLength) {
    std::string body = fixture("call_status_2026.json");
    std::string const id = "e2078079-eae8-11f0-ae64-a500004e488e";
    MsisdnPrivacy const clear(MsisdnPolicy::clear);
    auto const short_id = ingest_delivery(body, received(), clear);
    body.replace(body.find(id), id.size(), std::string(500'000, 'x'));
    auto const long_id = ingest_delivery(body, received(), clear);
    static_assert(sizeof(RedeliveryKey) == 16);
    EXPECT_TRUE(short_id.record.redelivery_key);
    EXPECT_TRUE(long_id.record.redelivery_key);
    EXPECT_NE(short_id.record.redelivery_key, long_id.record.redelivery_key);
}

TEST(RedeliveryKey, TellsTheEventTypesApart) {
    // A CALL_STATUS eventId equal to a SESSION_SUMMARY sessionId is not a redelivery.
    std::string status = fixture("call_status_2026.json");
    std::string summary = fixture("session_summary_success.json");
    std::string const event_id = "e2078079-eae8-11f0-ae64-a500004e488e";
    std::string const session_id = "1f048a84-ea6d-11ee-911b-078f7290bf52";
    status.replace(status.find(event_id), event_id.size(), session_id);
    MsisdnPrivacy const clear(MsisdnPolicy::clear);
    EXPECT_NE(ingest_delivery(status, received(), clear).record.redelivery_key,
              ingest_delivery(summary, received(), clear).record.redelivery_key);
}

// A VIRTUAL_NUMBER_UPDATE with one number, `msisdn`.
std::string numbers_update(std::string_view msisdn) {
    return std::string(
               R"({"eventType":"VIRTUAL_NUMBER_UPDATE","payload":{"subAccountId":"acme",)") +
           R"("updateEventType":"UPDATES","virtualNumbers":[{"msisdn":")" + std::string(msisdn) +
           R"("}]}})";
}

TEST(IngestPrivacy, TwoUpdatesThatMaskAlikeKeepTheirOwnRedeliveryKeys) {
    // Masked, +6591178965 and +6591238965 both read +65****8965; the key comes from before.
    MsisdnPrivacy const mask(MsisdnPolicy::mask);
    auto const first = ingest_delivery(numbers_update("+6591178965"), received(), mask);
    auto const second = ingest_delivery(numbers_update("+6591238965"), received(), mask);
    ASSERT_FALSE(first.rejection);
    ASSERT_FALSE(second.rejection);
    EXPECT_NE(first.record.line.find("+65****8965"), std::string::npos) << first.record.line;
    EXPECT_NE(second.record.line.find("+65****8965"), std::string::npos);
    EXPECT_TRUE(first.record.redelivery_key);
    EXPECT_NE(first.record.redelivery_key, second.record.redelivery_key);
    // A redelivery is still one: the same update twice has one key.
    EXPECT_EQ(
        ingest_delivery(numbers_update("+6591178965"), received(), mask).record.redelivery_key,
        first.record.redelivery_key);
}

TEST(IngestPrivacy, AnUpdatesKeyIsTheSameWithPrivacyOnOrOff) {
    // Clear mode takes the one-pass encoder, mask mode the general path: one identity.
    MsisdnPrivacy const clear(MsisdnPolicy::clear);
    MsisdnPrivacy const mask(MsisdnPolicy::mask);
    std::string const body = fixture("virtual_number_update.json");
    EXPECT_EQ(ingest_delivery(body, received(), clear).record.redelivery_key,
              ingest_delivery(body, received(), mask).record.redelivery_key);
}

TEST(IngestPrivacy, ARejectionNeverQuotesAPhoneNumberSentAsAJsonNumber) {
    // No plus sign and no quotes: scrub_text cannot tell it from any number in a message.
    MsisdnPrivacy const mask(MsisdnPolicy::mask);
    for (std::string const& body :
         {std::string(R"({"eventType":"VIRTUAL_NUMBER_UPDATE","payload":{"subAccountId":"a",)"
                      R"("updateEventType":"UPDATES","virtualNumbers":[{"msisdn":6591178965}]}})"),
          std::string(R"({"eventType":"CALL_STATUS","payload":{"eventId":"e","callId":"c",)"
                      R"("sessionId":"s","callStatus":"CALL_RECEIVED","source":6591178965}})")}) {
        auto const ingested = ingest_delivery(body, received(), mask);
        ASSERT_TRUE(ingested.rejection) << body;
        EXPECT_EQ(ingested.rejection->code, RejectCode::wrong_type);
        EXPECT_EQ(ingested.rejection->message.find("6591178965"), std::string::npos)
            << ingested.rejection->message;
        EXPECT_NE(ingested.rejection->message.find("got a number"), std::string::npos)
            << ingested.rejection->message;
        EXPECT_EQ(ingested.record.line.find("6591178965"), std::string::npos)
            << ingested.record.line;
    }
}

TEST(IngestPrivacy, ScrubsNumbersFromTheRejectionsFieldPath) {
    // A leg is named by its key under details: a number there must not reach the rejects file,
    // the reply or the log through error.field.
    std::string const body =
        R"({"eventType":"SESSION_SUMMARY","payload":{"sessionId":"s","sessionStatus":"COMPLETED",)"
        R"("details":{"+6591178965":"not an object"}}})";
    MsisdnPrivacy const mask(MsisdnPolicy::mask);
    auto const ingested = ingest_delivery(body, received(), mask);
    ASSERT_TRUE(ingested.rejection);
    EXPECT_EQ(ingested.rejection->field.find("6591178965"), std::string::npos)
        << ingested.rejection->field;
    EXPECT_EQ(ingested.record.line.find("6591178965"), std::string::npos) << ingested.record.line;
}

TEST(IngestLimits, AnObjectWithMoreMembersThanTheLimitIsRejectedBeforeParsing) {
    std::string body = R"({"eventType":"CALL_STATUS","payload":{"sessionId":"s")";
    for (int i = 0; i < 256; ++i) {
        body += ",\"k" + std::to_string(i) + "\":1";
    }
    body += "}}";
    auto const ingested = ingest_delivery(body, received(), MsisdnPrivacy(MsisdnPolicy::clear));
    ASSERT_TRUE(ingested.rejection);
    EXPECT_EQ(ingested.rejection->code, RejectCode::invalid_json);
    EXPECT_NE(ingested.rejection->message.find("an object has more than 256 members"),
              std::string::npos)
        << ingested.rejection->message;
}

}  // namespace
}  // namespace callsink
