// Session over a real loopback socket, one connection at a time: a request read and answered
// with the handler's reply, kept alive and pipelined in order, the limits (413 before and while a
// body is read, 431, 400), 100 Continue, HEAD, HTTP/1.0, the replies counted by status, and the
// idle and read timeouts. Every wait is bounded and waits for an event (the reply, the close, the
// handler holding a request); none sleeps to show that nothing happened.
#include "callsink/http/session.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstddef>
#include <string>

#include "callsink/http/messages.hpp"
#include "callsink/http/server_options.hpp"
#include "http_client.hpp"
#include "loopback_server.hpp"

namespace callsink {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using ::testing::ElementsAre;
using testing::HttpClient;
using testing::post;
using ::testing::StartsWith;

class SessionTest : public testing::LoopbackServerTest {
  protected:
    void start_with_max_body_bytes(std::size_t max_body_bytes) {
        ServerOptions options;
        options.max_body_bytes = max_body_bytes;
        start(options);
    }
};

TEST_F(SessionTest, AnswersAPostWithTheHandlersReply) {
    start();
    HttpClient client(endpoint());
    client.send(post("/status", R"({"eventType":"CALL_STATUS"})"));
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_EQ(response->body(), R"(/status {"eventType":"CALL_STATUS"})");
    EXPECT_EQ((*response)[http::field::content_type], "text/plain");
    EXPECT_TRUE(response->keep_alive());
    EXPECT_THAT(handler_.targets(), ElementsAre("/status"));
    ASSERT_EQ(handler_.peers().size(), 1u);
    EXPECT_EQ(handler_.peers()[0], net::ip::make_address("127.0.0.1"));
}

TEST_F(SessionTest, ServesTwoRequestsOnOneKeptAliveConnection) {
    start();
    HttpClient client(endpoint());
    client.send(post("/first", "1"));
    auto const first = client.read();
    ASSERT_TRUE(first.has_value()) << first.error().message();
    EXPECT_EQ(first->body(), "/first 1");
    client.send(post("/second", "2"));
    auto const second = client.read();
    ASSERT_TRUE(second.has_value()) << second.error().message();
    EXPECT_EQ(second->body(), "/second 2");
    EXPECT_EQ(server_->open_connections(), 1u);
}

TEST_F(SessionTest, AnswersPipelinedRequestsInOrderEvenWhenTheFirstReplyIsLate) {
    start();
    HttpClient client(endpoint());
    client.send(post("/hold", "a") + post("/next", "b") + post("/last", "c"));
    ASSERT_TRUE(handler_.wait_until_holding(1));
    // The later requests wait in the read buffer until the first is answered: the session's
    // thread has run all it was given, and handed nothing more to the handler.
    ASSERT_TRUE(ran_what_is_queued_on(ioc_));
    EXPECT_THAT(handler_.targets(), ElementsAre("/hold"));
    handler_.release();
    auto const first = client.read();
    auto const second = client.read();
    auto const third = client.read();
    ASSERT_TRUE(first.has_value()) << first.error().message();
    ASSERT_TRUE(second.has_value()) << second.error().message();
    ASSERT_TRUE(third.has_value()) << third.error().message();
    EXPECT_EQ(first->body(), "released");
    EXPECT_EQ(second->body(), "/next b");
    EXPECT_EQ(third->body(), "/last c");
    EXPECT_THAT(handler_.targets(), ElementsAre("/hold", "/next", "/last"));
}

TEST_F(SessionTest, Refuses413WhenContentLengthIsOverMaxBodyBytes) {
    start_with_max_body_bytes(10);
    HttpClient client(endpoint());
    client.send(
        "POST /status HTTP/1.1\r\nHost: callsink\r\nContent-Length: 11\r\n\r\n");  // no body yet
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::payload_too_large);
    EXPECT_EQ(response->body(),
              "{\"error\":\"the body is larger than server.max_body_bytes (10 bytes)\"}\n");
    EXPECT_FALSE(response->keep_alive());
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_TRUE(handler_.targets().empty());
}

TEST_F(SessionTest, AcceptsABodyOfExactlyMaxBodyBytes) {
    start_with_max_body_bytes(10);
    HttpClient client(endpoint());
    client.send(post("/status", "0123456789"));
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_EQ(response->body(), "/status 0123456789");
}

TEST_F(SessionTest, Refuses413WhenAChunkedBodyGrowsOverMaxBodyBytes) {
    start_with_max_body_bytes(10);
    HttpClient client(endpoint());
    client.send(
        "POST /status HTTP/1.1\r\nHost: callsink\r\nTransfer-Encoding: chunked\r\n\r\n"
        "8\r\n01234567\r\n8\r\n89abcdef\r\n0\r\n\r\n");
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::payload_too_large);
    EXPECT_TRUE(handler_.targets().empty());
}

TEST_F(SessionTest, SendsTheInterim100BeforeReadingABodyThatIsExpected) {
    start();
    HttpClient client(endpoint());
    client.send(
        "POST /summary HTTP/1.1\r\nHost: callsink\r\nContent-Length: 5\r\n"
        "Expect: 100-continue\r\n\r\n");
    auto const interim = client.read();
    ASSERT_TRUE(interim.has_value()) << interim.error().message();
    EXPECT_EQ(interim->result(), http::status::continue_);
    EXPECT_TRUE(handler_.targets().empty());
    client.send("hello");
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_EQ(response->body(), "/summary hello");
}

TEST_F(SessionTest, SkipsThe100WhenTheBodyCameWithTheHeader) {
    start();
    HttpClient client(endpoint());
    // Some clients send the body without waiting: RFC 9110 (10.1.1) lets the server skip the 100.
    client.send(
        "POST /summary HTTP/1.1\r\nHost: callsink\r\nContent-Length: 5\r\n"
        "Expect: 100-continue\r\n\r\nhello");
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_EQ(response->body(), "/summary hello");
}

TEST_F(SessionTest, AnswersAnExpectedBodyOverMaxBodyBytesWith413Not100) {
    start_with_max_body_bytes(10);
    HttpClient client(endpoint());
    client.send(
        "POST /summary HTTP/1.1\r\nHost: callsink\r\nContent-Length: 11\r\n"
        "Expect: 100-continue\r\n\r\n");
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::payload_too_large);
    EXPECT_TRUE(client.closed_by_server());
}

TEST_F(SessionTest, IgnoresExpectContinueFromAnHttp10Client) {
    start();
    HttpClient client(endpoint());
    client.send("POST /old HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi");
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_EQ(response->body(), "/old hi");
}

TEST_F(SessionTest, AnswersHeadWithTheHeaderOnly) {
    start();
    HttpClient client(endpoint());
    client.send("HEAD /healthz HTTP/1.1\r\nHost: callsink\r\n\r\n" + post("/next", "n"));
    auto const head = client.read_head_response();
    ASSERT_TRUE(head.has_value()) << head.error().message();
    EXPECT_EQ(head->result(), http::status::ok);
    // The length of the reply a GET would have had ("/healthz "), and no body on the wire: the
    // next reply parses from the very next byte.
    EXPECT_EQ((*head)[http::field::content_length], "9");
    auto const next = client.read();
    ASSERT_TRUE(next.has_value()) << next.error().message();
    EXPECT_EQ(next->body(), "/next n");
}

TEST_F(SessionTest, Answers431ToAHeaderOver16KiBAndCloses) {
    start();
    HttpClient client(endpoint());
    std::string const padding(Session::kHeaderLimit, 'x');
    client.send("POST /status HTTP/1.1\r\nHost: callsink\r\nX-Padding: " + padding +
                "\r\nContent-Length: 0\r\n\r\n");
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::request_header_fields_too_large);
    EXPECT_FALSE(response->keep_alive());
    EXPECT_TRUE(handler_.targets().empty());
}

TEST_F(SessionTest, Answers400ToAMalformedRequestAndCloses) {
    start();
    HttpClient client(endpoint());
    client.send("THIS IS NOT HTTP\r\n\r\n");
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::bad_request);
    EXPECT_THAT(response->body(), StartsWith("{\"error\":\"malformed HTTP request: "));
    EXPECT_EQ((*response)[http::field::content_type], "application/json");
    EXPECT_FALSE(response->keep_alive());
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_TRUE(handler_.targets().empty());
}

TEST_F(SessionTest, ClosesAfterReplyingToAnHttp10RequestWithoutKeepAlive) {
    start();
    HttpClient client(endpoint());
    client.send("POST /old HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi");
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->body(), "/old hi");
    EXPECT_FALSE(response->keep_alive());
    EXPECT_TRUE(client.closed_by_server());
}

TEST_F(SessionTest, CountsEveryReplyByStatusInTheMetrics) {
    start_with_max_body_bytes(10);
    HttpClient ok(endpoint());
    ok.send(post("/a", "") + post("/b", ""));
    ASSERT_TRUE(ok.read().has_value());
    ASSERT_TRUE(ok.read().has_value());
    HttpClient too_large(endpoint());
    too_large.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\n");
    ASSERT_TRUE(too_large.read().has_value());
    HttpClient malformed(endpoint());
    malformed.send("\x01\x02\r\n\r\n");
    ASSERT_TRUE(malformed.read().has_value());
    EXPECT_EQ(metrics_.value(Counter::requests, Metrics::status_label(200)), 2u);
    EXPECT_EQ(metrics_.value(Counter::requests, Metrics::status_label(413)), 1u);
    EXPECT_EQ(metrics_.value(Counter::requests, Metrics::status_label(400)), 1u);
}

TEST_F(SessionTest, ClosesAConnectionIdleForLongerThanIdleTimeout) {
    ServerOptions options;
    options.idle_timeout = 100ms;
    start(options);
    auto const client = connected_client();
    EXPECT_TRUE(client->closed_by_server());
}

TEST_F(SessionTest, ClosesWithoutAReplyWhenARequestTrickles) {
    ServerOptions options;
    options.read_timeout = 100ms;
    start(options);
    HttpClient client(endpoint());
    client.send("POST /status HTTP/1.1\r\nHost: ");
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_TRUE(handler_.targets().empty());
}

}  // namespace
}  // namespace callsink
