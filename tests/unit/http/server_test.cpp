// Server and Session over a real loopback socket: a Server on 127.0.0.1:0 with a RequestHandler of
// the test's own, run on an io thread, driven by plain TCP clients that write raw HTTP/1.1 and
// read the replies with Beast's parser. Every wait is bounded; nothing sleeps for long.
#include "callsink/http/server.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "callsink/http/messages.hpp"
#include "callsink/http/request_handler.hpp"
#include "callsink/http/server_options.hpp"
#include "callsink/http/session.hpp"
#include "callsink/ops/metrics.hpp"

namespace callsink {
namespace {

namespace net = boost::asio;
using boost::system::error_code;
using net::ip::tcp;
using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr auto kTimeout = 2s;  // for what should happen at once

// Replies "<target> <body>" at once, except to /hold, whose reply waits until release().
class TestHandler final : public RequestHandler {
  public:
    void handle(Request const& request, net::ip::address const& peer, Respond respond) override {
        std::unique_lock lock(mutex_);
        targets_.emplace_back(request.target());
        peers_.push_back(peer);
        if (request.target() == "/hold") {
            held_.push_back(std::move(respond));
            changed_.notify_all();
            return;
        }
        lock.unlock();
        respond(text_response(http::status::ok, request.version(), "text/plain",
                              std::string(request.target()) + " " + request.body()));
    }

    bool wait_until_holding(std::size_t count) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, kTimeout, [&] { return held_.size() >= count; });
    }

    // Answers every held request, from the calling thread (as the pipeline's writer would).
    void release() {
        std::vector<Respond> held;
        {
            std::lock_guard lock(mutex_);
            held.swap(held_);
        }
        for (Respond& respond : held) {
            respond(text_response(http::status::ok, 11, "text/plain", "released"));
        }
    }

    // Forgets held replies without answering (the sessions they hold are freed).
    void drop_held() {
        std::vector<Respond> held;
        std::lock_guard lock(mutex_);
        held.swap(held_);
    }

    std::vector<std::string> targets() const {
        std::lock_guard lock(mutex_);
        return targets_;
    }

    std::vector<net::ip::address> peers() const {
        std::lock_guard lock(mutex_);
        return peers_;
    }

  private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::string> targets_;
    std::vector<net::ip::address> peers_;
    std::vector<Respond> held_;
};

// A blocking TCP client with bounded reads: each read runs the client's own io_context for at
// most the timeout.
class Client {
  public:
    explicit Client(tcp::endpoint const& server) : socket_(ioc_) { socket_.connect(server); }

    void send(std::string_view bytes) { net::write(socket_, net::buffer(bytes)); }

    // The next response; an error when the connection closed first (eof) or nothing came in time.
    boost::system::result<Response> read(std::chrono::milliseconds timeout = kTimeout) {
        return read_response(false, timeout);
    }

    // The next response, to a HEAD request: a header whose Content-Length announces no body.
    boost::system::result<Response> read_head_response() { return read_response(true, kTimeout); }

    // Whether the server closes the connection (end of stream or reset) within the timeout,
    // with no byte before that.
    bool closed_by_server(std::chrono::milliseconds timeout = kTimeout) {
        if (buffer_.size() != 0) {
            return false;
        }
        char byte = 0;
        std::optional<error_code> outcome;
        socket_.async_read_some(net::buffer(&byte, 1),
                                [&](error_code ec, std::size_t) { outcome = ec; });
        if (!run_for(timeout, outcome)) {
            return false;
        }
        return *outcome == net::error::eof || *outcome == net::error::connection_reset;
    }

    void close() {
        error_code ec;
        socket_.close(ec);
    }

  private:
    boost::system::result<Response> read_response(bool head, std::chrono::milliseconds timeout) {
        http::response_parser<http::string_body> parser;
        parser.skip(head);
        std::optional<error_code> outcome;
        http::async_read(socket_, buffer_, parser,
                         [&](error_code ec, std::size_t) { outcome = ec; });
        if (!run_for(timeout, outcome)) {
            return error_code(net::error::timed_out);
        }
        if (*outcome) {
            return *outcome;
        }
        return parser.release();
    }

    // Runs the pending operation; false, with it cancelled, when it did not finish in time.
    bool run_for(std::chrono::milliseconds timeout, std::optional<error_code> const& outcome) {
        ioc_.restart();
        ioc_.run_for(timeout);
        if (outcome) {
            return true;
        }
        error_code ec;
        socket_.cancel(ec);
        ioc_.restart();
        ioc_.run();
        return false;
    }

    net::io_context ioc_;
    tcp::socket socket_;
    boost::beast::flat_buffer buffer_;
};

std::string post(std::string_view target, std::string_view body,
                 std::string_view extra_headers = "") {
    return "POST " + std::string(target) +
           " HTTP/1.1\r\nHost: callsink\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n" + std::string(extra_headers) + "\r\n" + std::string(body);
}

bool eventually(std::function<bool()> const& condition) {
    auto const deadline = std::chrono::steady_clock::now() + kTimeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

class ServerTest : public ::testing::Test {
  protected:
    ~ServerTest() override {
        ioc_.stop();
        if (io_thread_.joinable()) {
            io_thread_.join();
        }
        server_.reset();
        handler_.drop_held();
    }

    void start(ServerOptions options = {}) {
        options.listen = {"127.0.0.1", 0};
        server_.emplace(ioc_, std::move(options), handler_, metrics_, logger_);
        server_->start();
        io_thread_ = std::thread([this] {
            ioc_.run();
            io_returned_ = true;
        });
    }

    tcp::endpoint endpoint() const { return server_->local_endpoint(); }

    // A client whose connection the server has taken (a request answered on it).
    std::unique_ptr<Client> connected_client() {
        auto client = std::make_unique<Client>(endpoint());
        client->send(post("/hello", ""));
        auto const response = client->read();
        EXPECT_TRUE(response.has_value());
        return client;
    }

    net::io_context ioc_;
    Metrics metrics_;
    TestHandler handler_;
    std::shared_ptr<spdlog::logger> logger_ =
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    std::optional<Server> server_;
    std::thread io_thread_;
    std::atomic<bool> io_returned_{false};
};

TEST_F(ServerTest, ListensOnThePortTheSystemChose) {
    start();
    EXPECT_EQ(endpoint().address(), net::ip::make_address("127.0.0.1"));
    EXPECT_NE(endpoint().port(), 0);
}

TEST_F(ServerTest, RefusesToStartOnAPortAlreadyInUseNamingTheAddress) {
    start();
    ServerOptions options;
    options.listen = {"127.0.0.1", endpoint().port()};
    std::string const expected = "cannot listen on 127.0.0.1:" + std::to_string(endpoint().port());
    try {
        Server second(ioc_, options, handler_, metrics_, logger_);
        ADD_FAILURE() << "a second server bound the same port";
    } catch (std::runtime_error const& error) {
        EXPECT_THAT(error.what(), StartsWith(expected));
        EXPECT_THAT(error.what(), HasSubstr("server.listen or --listen"));
    }
}

TEST_F(ServerTest, AnswersAPostWithTheHandlersReply) {
    start();
    Client client(endpoint());
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

TEST_F(ServerTest, ServesTwoRequestsOnOneKeptAliveConnection) {
    start();
    Client client(endpoint());
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

TEST_F(ServerTest, AnswersPipelinedRequestsInOrderEvenWhenTheFirstReplyIsLate) {
    start();
    Client client(endpoint());
    client.send(post("/hold", "a") + post("/next", "b") + post("/last", "c"));
    ASSERT_TRUE(handler_.wait_until_holding(1));
    // The later requests wait in the read buffer until the first is answered.
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

TEST_F(ServerTest, Refuses413WhenContentLengthIsOverMaxBodyBytes) {
    ServerOptions options;
    options.max_body_bytes = 10;
    start(options);
    Client client(endpoint());
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

TEST_F(ServerTest, AcceptsABodyOfExactlyMaxBodyBytes) {
    ServerOptions options;
    options.max_body_bytes = 10;
    start(options);
    Client client(endpoint());
    client.send(post("/status", "0123456789"));
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_EQ(response->body(), "/status 0123456789");
}

TEST_F(ServerTest, Refuses413WhenAChunkedBodyGrowsOverMaxBodyBytes) {
    ServerOptions options;
    options.max_body_bytes = 10;
    start(options);
    Client client(endpoint());
    client.send(
        "POST /status HTTP/1.1\r\nHost: callsink\r\nTransfer-Encoding: chunked\r\n\r\n"
        "8\r\n01234567\r\n8\r\n89abcdef\r\n0\r\n\r\n");
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::payload_too_large);
    EXPECT_TRUE(handler_.targets().empty());
}

TEST_F(ServerTest, SendsTheInterim100BeforeReadingABodyThatIsExpected) {
    start();
    Client client(endpoint());
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

TEST_F(ServerTest, AnswersAnExpectedBodyOverMaxBodyBytesWith413Not100) {
    ServerOptions options;
    options.max_body_bytes = 10;
    start(options);
    Client client(endpoint());
    client.send(
        "POST /summary HTTP/1.1\r\nHost: callsink\r\nContent-Length: 11\r\n"
        "Expect: 100-continue\r\n\r\n");
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::payload_too_large);
    EXPECT_TRUE(client.closed_by_server());
}

TEST_F(ServerTest, IgnoresExpectContinueFromAnHttp10Client) {
    start();
    Client client(endpoint());
    client.send("POST /old HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi");
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_EQ(response->body(), "/old hi");
}

TEST_F(ServerTest, AnswersHeadWithTheHeaderOnly) {
    start();
    Client client(endpoint());
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

TEST_F(ServerTest, Answers431ToAHeaderOver16KiBAndCloses) {
    start();
    Client client(endpoint());
    std::string const padding(Session::kHeaderLimit, 'x');
    client.send("POST /status HTTP/1.1\r\nHost: callsink\r\nX-Padding: " + padding +
                "\r\nContent-Length: 0\r\n\r\n");
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::request_header_fields_too_large);
    EXPECT_FALSE(response->keep_alive());
    EXPECT_TRUE(handler_.targets().empty());
}

TEST_F(ServerTest, Answers400ToAMalformedRequestAndCloses) {
    start();
    Client client(endpoint());
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

TEST_F(ServerTest, ClosesAfterReplyingToAnHttp10RequestWithoutKeepAlive) {
    start();
    Client client(endpoint());
    client.send("POST /old HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi");
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->body(), "/old hi");
    EXPECT_FALSE(response->keep_alive());
    EXPECT_TRUE(client.closed_by_server());
}

TEST_F(ServerTest, CountsEveryReplyByStatusInTheMetrics) {
    ServerOptions options;
    options.max_body_bytes = 10;
    start(options);
    Client ok(endpoint());
    ok.send(post("/a", "") + post("/b", ""));
    ASSERT_TRUE(ok.read().has_value());
    ASSERT_TRUE(ok.read().has_value());
    Client too_large(endpoint());
    too_large.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\n");
    ASSERT_TRUE(too_large.read().has_value());
    Client malformed(endpoint());
    malformed.send("\x01\x02\r\n\r\n");
    ASSERT_TRUE(malformed.read().has_value());
    EXPECT_EQ(metrics_.requests(200), 2u);
    EXPECT_EQ(metrics_.requests(413), 1u);
    EXPECT_EQ(metrics_.requests(400), 1u);
}

TEST_F(ServerTest, RefusesAConnectionBeyondMaxConnections) {
    ServerOptions options;
    options.max_connections = 1;
    start(options);
    auto const first = connected_client();
    Client extra(endpoint());
    EXPECT_TRUE(extra.closed_by_server());
    // The open one still works.
    first->send(post("/again", ""));
    auto const response = first->read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->body(), "/again ");
    EXPECT_EQ(server_->open_connections(), 1u);
}

TEST_F(ServerTest, AcceptsAgainOnceAConnectionBelowMaxConnectionsIsFree) {
    ServerOptions options;
    options.max_connections = 1;
    start(options);
    auto first = connected_client();
    first->close();
    ASSERT_TRUE(eventually([&] { return server_->open_connections() == 0; }));
    Client second(endpoint());
    second.send(post("/second", ""));
    auto const response = second.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->body(), "/second ");
}

TEST_F(ServerTest, CountsOpenConnections) {
    start();
    EXPECT_EQ(server_->open_connections(), 0u);
    auto first = connected_client();
    auto second = connected_client();
    EXPECT_EQ(server_->open_connections(), 2u);
    first->close();
    EXPECT_TRUE(eventually([&] { return server_->open_connections() == 1; }));
    second->close();
    EXPECT_TRUE(eventually([&] { return server_->open_connections() == 0; }));
}

TEST_F(ServerTest, StopLetsAnInFlightRequestFinishAndClosesIdleConnections) {
    start();
    auto idle = connected_client();
    Client busy(endpoint());
    busy.send(post("/hold", "x"));
    ASSERT_TRUE(handler_.wait_until_holding(1));
    ASSERT_EQ(server_->open_connections(), 2u);

    server_->stop(std::chrono::milliseconds(kTimeout));
    EXPECT_TRUE(idle->closed_by_server());
    EXPECT_TRUE(eventually([&] { return server_->open_connections() == 1; }));

    handler_.release();
    auto const response = busy.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_EQ(response->body(), "released");
    EXPECT_FALSE(response->keep_alive());  // a stopping server keeps nothing alive
    EXPECT_TRUE(busy.closed_by_server());
    EXPECT_TRUE(eventually([&] { return server_->open_connections() == 0; }));
    // Nothing is left for the io thread: not even the shutdown deadline's timer.
    EXPECT_TRUE(eventually([&] { return io_returned_.load(); }));
}

TEST_F(ServerTest, StopAcceptsNoNewConnection) {
    start();
    tcp::endpoint const server = endpoint();
    server_->stop(std::chrono::milliseconds(kTimeout));
    EXPECT_TRUE(eventually([&] { return io_returned_.load(); }));
    net::io_context client_ioc;
    tcp::socket socket(client_ioc);
    error_code ec;
    socket.connect(server, ec);
    EXPECT_EQ(ec, net::error::connection_refused);
}

TEST_F(ServerTest, StopClosesAConnectionStillBusyAtTheDeadline) {
    start();
    Client busy(endpoint());
    busy.send(post("/hold", "x"));
    ASSERT_TRUE(handler_.wait_until_holding(1));
    server_->stop(50ms);
    EXPECT_TRUE(busy.closed_by_server());
    // The late reply goes nowhere and harms nothing.
    handler_.release();
    EXPECT_TRUE(eventually([&] { return server_->open_connections() == 0; }));
}

TEST_F(ServerTest, ClosesAConnectionIdleForLongerThanIdleTimeout) {
    ServerOptions options;
    options.idle_timeout = 100ms;
    start(options);
    auto const client = connected_client();
    EXPECT_TRUE(client->closed_by_server());
}

TEST_F(ServerTest, ClosesWithoutAReplyWhenARequestTrickles) {
    ServerOptions options;
    options.read_timeout = 100ms;
    start(options);
    Client client(endpoint());
    client.send("POST /status HTTP/1.1\r\nHost: ");
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_TRUE(handler_.targets().empty());
}

}  // namespace
}  // namespace callsink
