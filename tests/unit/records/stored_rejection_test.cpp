// Rejection records read back from the rejects file's line: the raw body byte for byte (as text,
// or from base64 when it was not UTF-8), the `received` data and the code it was rejected with.
#include "callsink/records/stored_rejection.hpp"

#include <gtest/gtest.h>

#include <string>

#include "callsink/records/event_record.hpp"

namespace callsink {
namespace {

Received const kReceived{"2026-11-22T18:00:00.123Z", "/status", "203.0.113.7", "req-0001"};
Rejection const kRejection{RejectCode::missing_field, "payload.callId",
                           "payload.callId is required but missing"};

void expect_received(Received const& read) {
    EXPECT_EQ(read.at, kReceived.at);
    EXPECT_EQ(read.path, kReceived.path);
    EXPECT_EQ(read.remote, kReceived.remote);
    EXPECT_EQ(read.request_id, kReceived.request_id);
}

TEST(StoredRejection, IsTheBodyAndReceivedDataTheRejectsLineKept) {
    std::string const body = R"({"eventType":"CALL_STATUS","payload":{"a":"\u00e9 \"q\""}})";
    Record const line = rejection_record(kRejection, body, kReceived);
    std::optional<StoredRejection> const read = read_stored_rejection(line.line);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->body, body);
    EXPECT_EQ(read->error_code, "missing_field");
    expect_received(read->received);
}

TEST(StoredRejection, ABodyThatWasNotUtf8IsDecodedFromBase64ByteForByte) {
    for (std::string const& body : {std::string("\xff"), std::string("a\xfe"),
                                    std::string("ab\xc3"), std::string("abc\x80\x00z", 6)}) {
        Record const line = rejection_record(kRejection, body, kReceived);
        ASSERT_NE(line.line.find("body_base64"), std::string::npos);
        std::optional<StoredRejection> const read = read_stored_rejection(line.line);
        ASSERT_TRUE(read) << line.line;
        EXPECT_EQ(read->body, body);
        expect_received(read->received);
    }
}

TEST(StoredRejection, AnEmptyBodyIsABody) {
    std::optional<StoredRejection> const read =
        read_stored_rejection(rejection_record(kRejection, "", kReceived).line);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->body, "");
}

TEST(StoredRejection, ALineWithoutReceivedOrBodyIsNone) {
    EXPECT_FALSE(read_stored_rejection("not json"));
    EXPECT_FALSE(read_stored_rejection(R"({"body":"x"})"));
    EXPECT_FALSE(read_stored_rejection(R"({"received":{"at":"2026-11-22T18:00:00Z"}})"));
    EXPECT_FALSE(
        read_stored_rejection(R"({"received":{"at":"2026-11-22T18:00:00Z"},"body_base64":"*"})"));
    EXPECT_FALSE(read_stored_rejection(R"({"received":{"at":"2026-11-22T18:00:00Z"},"body":17})"));
}

}  // namespace
}  // namespace callsink
