// What a Session charges to the server's memory budget (buffer_budget.hpp), over a real loopback
// socket: a declared body before it is read, or before 100 Continue, and a chunked body as it
// grows; the 503 with Retry-After and the lingering close when the budget cannot take it; the
// small requests the reserve still serves; the charge kept until the pipeline answers, and for a
// reply the client does not read; everything given back when connections close or go idle.
// Every wait is bounded and waits for an event (the charge, the reply, the close); none sleeps to
// show that nothing happened.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "callsink/http/buffer_budget.hpp"
#include "callsink/http/messages.hpp"
#include "callsink/http/server.hpp"
#include "callsink/http/server_options.hpp"
#include "callsink/http/session.hpp"
#include "eventually.hpp"
#include "http_client.hpp"
#include "loopback_server.hpp"

namespace callsink {
namespace {

namespace net = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;
using testing::eventually;
using ::testing::HasSubstr;
using testing::HttpClient;
using testing::kBigReply;
using testing::kTimeout;
using testing::post;
using testing::post_header;

// The test budget: max_body_bytes 512 KiB in a 2 MiB budget, whose large part (1.5 MiB) takes two
// such requests with their read buffers, but not a third.
constexpr std::size_t kBudget = 2 * 1024 * 1024;
constexpr std::size_t kLargePart = kBudget - kBudget / 4;
constexpr std::size_t kMaxBody = 512 * 1024;
constexpr auto kDrainTimeout = 5s;  // for what Session::kLinger (2 s) may take

ServerOptions budget_options() {
    ServerOptions options;
    options.max_body_bytes = kMaxBody;
    options.max_buffered_bytes = kBudget;
    return options;
}

// A chunked body of `chunks` chunks of `size` bytes, with its last chunk.
std::string chunked_body(std::size_t chunks, std::size_t size) {
    char line[32];
    int const length = std::snprintf(line, sizeof line, "%zx\r\n", size);
    std::string body;
    for (std::size_t i = 0; i < chunks; ++i) {
        body.append(line, static_cast<std::size_t>(length)).append(size, 'c').append("\r\n");
    }
    return body + "0\r\n\r\n";
}

void expect_over_budget_refusal(boost::system::result<Response> const& response) {
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::service_unavailable);
    EXPECT_EQ((*response)[http::field::retry_after], "1");
    EXPECT_EQ((*response)[http::field::connection], "close");
    EXPECT_FALSE(response->keep_alive());
    EXPECT_THAT(response->body(), HasSubstr("server.max_buffered_bytes"));
}

class SessionBudgetTest : public testing::LoopbackServerTest {
  protected:
    std::size_t used() const { return server_->buffer_budget().used(); }

    // A client that sent the header of a `length`-byte body and nothing of it: its connection
    // holds the declared length (and its read buffer) from then on.
    std::unique_ptr<HttpClient> stalled_request(std::size_t length) {
        std::size_t const before = used();
        auto client = std::make_unique<HttpClient>(endpoint());
        client->send(post_header("/stalled", length));
        EXPECT_TRUE(eventually([&] { return used() >= before + length; }))
            << "a stalled request of " << length << " bytes was not charged; used " << used();
        return client;
    }

    // Stalled requests that fill the large part of the budget, but for less than a read chunk.
    std::vector<std::unique_ptr<HttpClient>> fill_large_part() {
        std::vector<std::unique_ptr<HttpClient>> holders;
        holders.push_back(stalled_request(kMaxBody));
        holders.push_back(stalled_request(kMaxBody));
        // Room for the third one's read buffer (one read chunk) and a chunk to spare.
        holders.push_back(stalled_request(kLargePart - used() - 2 * Session::kReadChunk));
        EXPECT_GE(used(), kLargePart - 2 * Session::kReadChunk);
        EXPECT_LE(used(), kLargePart);
        return holders;
    }
};

TEST_F(SessionBudgetTest, TheTestBudgetAdmitsOneRequestOfMaxBodyBytes) {
    EXPECT_GE(kBudget, BufferBudget::smallest_limit_for(kMaxBody));
    // And two of them, with their read buffers, fill its large part: a third is refused.
    EXPECT_LT(kLargePart - 2 * (kMaxBody + Session::kReadChunk), kMaxBody + Session::kReadChunk);
}

TEST_F(SessionBudgetTest, Refuses503BeforeTheBodyWhenItsLengthWouldPassTheLargePart) {
    start(budget_options());
    auto const first = stalled_request(kMaxBody);
    auto const second = stalled_request(kMaxBody);
    HttpClient client(endpoint());
    client.send(post_header("/third", kMaxBody));  // the header only: no byte of the body
    expect_over_budget_refusal(client.read());
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_TRUE(handler_.targets().empty());
    EXPECT_EQ(metrics_.refused(Refusal::memory), 1u);
    EXPECT_EQ(metrics_.value(Counter::requests, Metrics::status_label(503)), 1u);
    // The refused connection gave back what it held; the holders still hold theirs.
    EXPECT_TRUE(eventually([&] { return used() <= kLargePart; }));
    EXPECT_GE(used(), 2 * kMaxBody);
}

TEST_F(SessionBudgetTest, Answers503Instead100ContinueWhenTheBudgetIsFull) {
    start(budget_options());
    auto const holders = fill_large_part();
    HttpClient client(endpoint());
    client.send(post_header("/summary", 100 * 1024, "Expect: 100-continue\r\n"));
    auto const response = client.read();
    expect_over_budget_refusal(response);  // the first reply: no 100 Continue before it
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_TRUE(handler_.targets().empty());
    EXPECT_EQ(metrics_.refused(Refusal::memory), 1u);
    EXPECT_EQ(metrics_.value(Counter::requests, Metrics::status_label(503)), 1u);
}

TEST_F(SessionBudgetTest, SendsThe100ContinueWhenTheBudgetHasRoom) {
    start(budget_options());
    auto const holder = stalled_request(kMaxBody);
    HttpClient client(endpoint());
    client.send(post_header("/summary", kMaxBody, "Expect: 100-continue\r\n"));
    auto const interim = client.read();
    ASSERT_TRUE(interim.has_value()) << interim.error().message();
    EXPECT_EQ(interim->result(), http::status::continue_);
    EXPECT_EQ(client.send_within(std::string(kMaxBody, 'b'), kTimeout), error_code());
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_EQ(response->body().size(), std::string("/summary ").size() + kMaxBody);
    EXPECT_EQ(metrics_.refused(Refusal::memory), 0u);
}

TEST_F(SessionBudgetTest, Refuses503AChunkedBodyThatGrowsPastTheBudget) {
    start(budget_options());
    auto const holders = fill_large_part();
    HttpClient client(endpoint());
    // 72 KiB in 8 KiB chunks: a large holding once the body passes 64 KiB at the latest, over the
    // room left in the large part. The server has read at least half of what the body's string
    // holds when it refuses, so what is left to send is within what the lingering close drains.
    std::string const request =
        "POST /chunked HTTP/1.1\r\nHost: callsink\r\nTransfer-Encoding: chunked\r\n\r\n" +
        chunked_body(9, 8 * 1024);
    EXPECT_EQ(client.send_within(request, kDrainTimeout), error_code());
    expect_over_budget_refusal(client.read());
    EXPECT_EQ(client.end_of_stream(), net::error::eof);
    EXPECT_TRUE(handler_.targets().empty());
    EXPECT_EQ(metrics_.refused(Refusal::memory), 1u);
    EXPECT_EQ(metrics_.value(Counter::requests, Metrics::status_label(503)), 1u);
    EXPECT_EQ(metrics_.value(Counter::requests, Metrics::status_label(413)), 0u);
}

TEST_F(SessionBudgetTest, AcceptsAChunkedBodyThatFitsTheBudget) {
    start(budget_options());
    auto const holder = stalled_request(kMaxBody);
    HttpClient client(endpoint());
    client.send("POST /chunked HTTP/1.1\r\nHost: callsink\r\nTransfer-Encoding: chunked\r\n\r\n" +
                chunked_body(16, 16 * 1024));
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_EQ(response->body().size(), std::string("/chunked ").size() + 16 * 16 * 1024);
    EXPECT_EQ(metrics_.refused(Refusal::memory), 0u);
}

TEST_F(SessionBudgetTest, ServesASmallRequestFromTheReserveWhileLargeOnesHoldTheirPart) {
    start(budget_options());
    auto const holders = fill_large_part();
    // A large request is refused...
    HttpClient large(endpoint());
    large.send(post_header("/large", 100 * 1024));
    expect_over_budget_refusal(large.read());
    // ...while a delivery of an ordinary size is served, and again on the same connection.
    HttpClient small(endpoint());
    std::string const event(1024, 'e');
    for (int i = 0; i < 3; ++i) {
        small.send(post("/status", event));
        auto const response = small.read();
        ASSERT_TRUE(response.has_value()) << response.error().message();
        EXPECT_EQ(response->result(), http::status::ok);
        EXPECT_EQ(response->body(), "/status " + event);
        EXPECT_TRUE(response->keep_alive());
    }
    EXPECT_EQ(metrics_.value(Counter::requests, Metrics::status_label(200)), 3u);
    EXPECT_EQ(metrics_.value(Counter::requests, Metrics::status_label(503)), 1u);
    EXPECT_EQ(metrics_.refused(Refusal::memory), 1u);
}

TEST_F(SessionBudgetTest, GivesTheBudgetBackWhenTheConnectionsClose) {
    start(budget_options());
    auto holders = fill_large_part();
    HttpClient refused(endpoint());
    refused.send(post_header("/large", kMaxBody));
    expect_over_budget_refusal(refused.read());
    auto idle = connected_client();
    ASSERT_GT(used(), 0u);

    for (auto& holder : holders) {
        holder->close();
    }
    refused.close();
    idle->close();
    EXPECT_TRUE(eventually([&] { return used() == 0; }, kDrainTimeout)) << "used " << used();
    EXPECT_TRUE(eventually([&] { return server_->open_connections() == 0; }, kDrainTimeout));

    // The whole large part is there again.
    auto const first = stalled_request(kMaxBody);
    auto const second = stalled_request(kMaxBody);
    EXPECT_EQ(metrics_.refused(Refusal::memory), 1u);
}

TEST_F(SessionBudgetTest, AnIdleKeptAliveConnectionHoldsNothing) {
    start(budget_options());
    auto const client = connected_client();
    client->send(post("/big", std::string(200 * 1024, 'b')));
    auto const response = client->read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_TRUE(eventually([&] { return used() == 0; }));
    EXPECT_EQ(server_->open_connections(), 1u);
}

TEST_F(SessionBudgetTest, DrainsARefusedBodyWithinKLingerBytesAndClosesCleanly) {
    start(budget_options());
    auto const holders = fill_large_part();
    // Over kSmallHolding with the read buffer's first chunk, so a large request; all of it within
    // what a lingering close drains.
    std::size_t const length = Session::kLingerBytes - 2 * 1024;
    ASSERT_GT(Session::kReadChunk + length, BufferBudget::kSmallHolding);
    HttpClient client(endpoint());
    EXPECT_EQ(client.send_within(post("/large", std::string(length, 'b')), kDrainTimeout),
              error_code());
    expect_over_budget_refusal(client.read());
    // The server read all that was sent: the end is a clean one, no reset.
    EXPECT_EQ(client.end_of_stream(), net::error::eof);
    EXPECT_TRUE(handler_.targets().empty());
    EXPECT_EQ(metrics_.refused(Refusal::memory), 1u);
    EXPECT_EQ(metrics_.value(Counter::requests, Metrics::status_label(503)), 1u);
}

TEST_F(SessionBudgetTest, AClientSendingARefused1MiBBodyInFullStillReadsThe503) {
    ServerOptions options;
    options.max_body_bytes = 1024 * 1024;
    options.max_buffered_bytes = kBudget;
    ASSERT_GE(options.max_buffered_bytes, BufferBudget::smallest_limit_for(options.max_body_bytes));
    start(options);
    auto const holder = stalled_request(options.max_body_bytes);
    HttpClient client(endpoint());
    // All of it at once, as a client that does not wait for an early reply: the rest of the
    // large part is under 1 MiB. The server drains only kLingerBytes of it before it closes, so
    // the write may end in a reset once the socket buffers are full; the reply came before.
    auto const sent =
        client.send_within(post("/large", std::string(options.max_body_bytes, 'b')), kDrainTimeout);
    EXPECT_TRUE(!sent || sent == net::error::broken_pipe || sent == net::error::connection_reset)
        << sent.message();
    expect_over_budget_refusal(client.read());
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_TRUE(handler_.targets().empty());
    EXPECT_EQ(metrics_.refused(Refusal::memory), 1u);
    EXPECT_EQ(metrics_.value(Counter::requests, Metrics::status_label(503)), 1u);
    // The refused connection holds nothing; the holder its 1 MiB and read buffer.
    EXPECT_TRUE(
        eventually([&] { return used() < options.max_body_bytes + Session::kReadBufferLimit; }));
}

// Like the registry (session_registry.hpp), what a session uses must outlive the server object:
// its last reference may go after the server is destroyed (here: a reply the handler never gave).
TEST_F(SessionBudgetTest, ASessionThatOutlivesTheServerGivesItsChargeBackSafely) {
    start(budget_options());
    HttpClient client(endpoint());
    client.send(post("/hold", std::string(100 * 1024, 'h')));
    ASSERT_TRUE(handler_.wait_until_holding(1));
    ASSERT_GT(used(), 100u * 1024);
    ioc_.stop();
    io_thread_.join();
    server_.reset();
    handler_.drop_held();  // the session's last reference: it gives back its charge now
}

TEST_F(SessionBudgetTest, KeepsTheBodysChargeUntilThePipelineAnswers) {
    start(budget_options());
    std::size_t constexpr kBody = 300 * 1024;
    auto const client = connected_client();
    client->send(post("/hold", std::string(kBody, 'h')));
    ASSERT_TRUE(handler_.wait_until_holding(1));
    // The handler has its record; the charge stands for it until the reply.
    EXPECT_GE(used(), kBody);
    handler_.release();
    auto const response = client->read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->body(), "released");
    EXPECT_TRUE(eventually([&] { return used() == 0; })) << "used " << used();
}

TEST_F(SessionBudgetTest, AMalformedRequestGivesItsReadBufferBackBeforeTheLingeringCloseEnds) {
    start(budget_options());
    HttpClient client(endpoint());
    // A header longer than the first read, so the rest goes through the read buffer, then a bad
    // chunk size with more bytes behind it in the same read: they are still in the buffer when
    // the parser fails.
    client.send("POST /bad HTTP/1.1\r\nHost: callsink\r\nX-Padding: " + std::string(2048, 'p') +
                "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n" +
                std::string(40 * 1024, 'j'));
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::bad_request);
    // The connection lingers up to kLinger (2 s), discarding what it reads; what it held of the
    // request is given back at once.
    EXPECT_TRUE(eventually([&] { return used() == 0; }, 1s)) << "used " << used();
    client.close();
}

TEST_F(SessionBudgetTest, ChargesAReplyTheClientDoesNotRead) {
    start(budget_options());
    // A reply bigger than the socket buffers take, to a client that reads nothing: the server
    // keeps writing it, and it is charged (past the budget: the reply exists already).
    HttpClient client(endpoint(), 4096);
    client.send(post("/big-reply", ""));
    EXPECT_TRUE(eventually([&] { return used() >= kBigReply; }));
    // Half of it read: the server's write has gone on (the half is more than the kernel's
    // buffers hold), and the other half is more than they take, so the write is still pending.
    ASSERT_EQ(client.skip(kBigReply / 2, kDrainTimeout), error_code());
    EXPECT_GE(used(), kBigReply) << "the reply was not charged until the client read it all";
    EXPECT_EQ(metrics_.refused(Refusal::memory), 0u);
    client.close();
    EXPECT_TRUE(eventually([&] { return used() == 0; }, kDrainTimeout)) << "used " << used();
}

}  // namespace
}  // namespace callsink
