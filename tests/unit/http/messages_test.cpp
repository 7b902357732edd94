// text_response and error_response: the replies' status, version, headers and body, including
// an error message that is not valid UTF-8 or needs escaping.
#include "callsink/http/messages.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace callsink {
namespace {

using ::testing::StartsWith;

TEST(TextResponse, SetsStatusVersionAndBody) {
    Response const response =
        text_response(http::status::service_unavailable, 10, "text/plain", "try later");
    EXPECT_EQ(response.result(), http::status::service_unavailable);
    EXPECT_EQ(response.version(), 10u);
    EXPECT_EQ(response.body(), "try later");
}

TEST(TextResponse, SetsServerContentTypeAndContentLength) {
    Response const response =
        text_response(http::status::ok, 11, "text/plain; version=0.0.4", "callsink_up 1\n");
    EXPECT_THAT(std::string(response[http::field::server]), StartsWith("callsink/"));
    EXPECT_GT(response[http::field::server].size(), std::string_view("callsink/").size());
    EXPECT_EQ(response[http::field::content_type], "text/plain; version=0.0.4");
    EXPECT_EQ(response[http::field::content_length], "14");
    EXPECT_FALSE(response.chunked());
}

TEST(TextResponse, SetsAZeroContentLengthForAnEmptyBody) {
    Response const response = text_response(http::status::ok, 11, "text/plain", "");
    EXPECT_EQ(response[http::field::content_length], "0");
}

TEST(ErrorResponse, IsAJsonObjectWithTheMessageEndingInANewline) {
    Response const response =
        error_response(http::status::payload_too_large, 11, "the body is too large");
    EXPECT_EQ(response.result(), http::status::payload_too_large);
    EXPECT_EQ(response.version(), 11u);
    EXPECT_EQ(response.body(), "{\"error\":\"the body is too large\"}\n");
    EXPECT_EQ(response[http::field::content_type], "application/json");
    EXPECT_EQ(response[http::field::content_length], std::to_string(response.body().size()));
    EXPECT_THAT(std::string(response[http::field::server]), StartsWith("callsink/"));
}

TEST(ErrorResponse, KeepsTheRequestsVersion) {
    EXPECT_EQ(error_response(http::status::bad_request, 10, "x").version(), 10u);
}

TEST(ErrorResponse, EscapesQuotesBackslashesAndControlCharacters) {
    Response const response =
        error_response(http::status::bad_request, 11, "bad \"value\" \\ here\n");
    EXPECT_EQ(response.body(), "{\"error\":\"bad \\\"value\\\" \\\\ here\\n\"}\n");
    auto const parsed = nlohmann::json::parse(response.body());
    EXPECT_EQ(parsed.at("error"), "bad \"value\" \\ here\n");
}

TEST(ErrorResponse, ReplacesInvalidUtf8InsteadOfThrowing) {
    Response const response = error_response(http::status::bad_request, 11,
                                             "byte \xFF"
                                             " here");
    EXPECT_EQ(response.body(), "{\"error\":\"byte \xEF\xBF\xBD here\"}\n");
    EXPECT_TRUE(nlohmann::json::accept(response.body()));
}

TEST(ErrorResponse, KeepsValidUtf8AsIs) {
    Response const response = error_response(http::status::bad_request, 11, "caf\xC3\xA9");
    EXPECT_EQ(response.body(), "{\"error\":\"caf\xC3\xA9\"}\n");
}

}  // namespace
}  // namespace callsink
