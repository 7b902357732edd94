// Server and Session over a real loopback socket: a Server on 127.0.0.1:0 with a RequestHandler of
// the test's own, run on an io thread, driven by plain TCP clients that write raw HTTP/1.1 and
// read the replies with Beast's parser. Every wait is bounded; nothing sleeps for long.
#include "callsink/http/server.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "callsink/http/buffer_budget.hpp"
#include "callsink/http/messages.hpp"
#include "callsink/http/request_handler.hpp"
#include "callsink/http/server_options.hpp"
#include "callsink/http/session.hpp"
#include "callsink/ops/metrics.hpp"
#include "eventually.hpp"

namespace callsink {
namespace {

namespace net = boost::asio;
using boost::system::error_code;
using net::ip::tcp;
using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using testing::eventually;
using testing::kTimeout;
constexpr std::size_t kBigReply = 16 * 1024 * 1024;

// Replies "<target> <body>" at once, except to /hold, whose reply waits until release(), and to
// /big-reply, which gets kBigReply bytes: more than the kernel's socket buffers take.
class TestHandler final : public RequestHandler {
  public:
    void handle(Request const& request, net::ip::address const& peer, Respond respond) override {
        std::unique_lock lock(mutex_);
        targets_.emplace_back(request.target());
        peers_.push_back(peer);
        threads_.push_back(std::this_thread::get_id());
        if (request.target() == "/hold") {
            held_.push_back(std::move(respond));
            changed_.notify_all();
            return;
        }
        lock.unlock();
        if (request.target() == "/big-reply") {
            return respond(text_response(http::status::ok, request.version(), "text/plain",
                                         std::string(kBigReply, 'r')));
        }
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

    // The thread each request was handled on: its session's.
    std::vector<std::thread::id> threads() const {
        std::lock_guard lock(mutex_);
        return threads_;
    }

  private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::string> targets_;
    std::vector<net::ip::address> peers_;
    std::vector<std::thread::id> threads_;
    std::vector<Respond> held_;
};

// A blocking TCP client with bounded reads: each read runs the client's own io_context for at
// most the timeout.
class Client {
  public:
    explicit Client(tcp::endpoint const& server) : socket_(ioc_) { socket_.connect(server); }

    // A client whose socket takes at most about `receive_buffer` bytes it has not read.
    Client(tcp::endpoint const& server, int receive_buffer) : socket_(ioc_) {
        socket_.open(server.protocol());
        socket_.set_option(net::socket_base::receive_buffer_size(receive_buffer));
        socket_.connect(server);
    }

    void send(std::string_view bytes) { net::write(socket_, net::buffer(bytes)); }

    // Sends what may be more than the socket buffers take, for as long as the server reads it;
    // the error that stopped it (timed_out when the server stopped reading).
    error_code send_within(std::string_view bytes, std::chrono::milliseconds timeout) {
        std::optional<error_code> outcome;
        net::async_write(socket_, net::buffer(bytes),
                         [&](error_code ec, std::size_t) { outcome = ec; });
        if (!run_for(timeout, outcome)) {
            return net::error::timed_out;
        }
        return *outcome;
    }

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

    // What ends the stream after the bytes read so far: eof for a clean close, connection_reset
    // when the server reset it, timed_out when it stays open; a byte more is an error too.
    error_code end_of_stream(std::chrono::milliseconds timeout = kTimeout) {
        if (buffer_.size() != 0) {
            return net::error::message_size;
        }
        char byte = 0;
        std::optional<error_code> outcome;
        socket_.async_read_some(net::buffer(&byte, 1),
                                [&](error_code ec, std::size_t) { outcome = ec; });
        if (!run_for(timeout, outcome)) {
            return net::error::timed_out;
        }
        return *outcome ? *outcome : error_code(net::error::message_size);
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
        server_ = std::make_unique<Server>(ioc_, std::move(options), handler_, metrics_, logger_);
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
    // On the heap, so that a session using the server's state after it is gone is a
    // use-after-free that the sanitizers see.
    std::unique_ptr<Server> server_;
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

TEST_F(ServerTest, SkipsThe100WhenTheBodyCameWithTheHeader) {
    start();
    Client client(endpoint());
    // Some clients send the body without waiting: RFC 9110 (10.1.1) lets the server skip the 100.
    client.send(
        "POST /summary HTTP/1.1\r\nHost: callsink\r\nContent-Length: 5\r\n"
        "Expect: 100-continue\r\n\r\nhello");
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

// The sessions' io_contexts, in a base class listed before ServerTest so that they outlive its
// `ioc_`: the listener's pending accept, destroyed with `ioc_`, holds a socket of one of them.
// (IoThreads's destructor destroys context 0, the listener's, first for the same reason.)
struct SessionContexts {
    std::vector<std::unique_ptr<net::io_context>> contexts_;
};

// As the daemon runs it with [server] threads > 1 (io_threads.hpp): the listener on `ioc_`, its
// sessions spread over kContexts other io_contexts, each run by a thread of its own.
class ServerContextsTest : public SessionContexts, public ServerTest {
  protected:
    static constexpr std::size_t kContexts = 3;
    using Guard = net::executor_work_guard<net::io_context::executor_type>;

    ~ServerContextsTest() override {
        ioc_.stop();
        if (io_thread_.joinable()) {
            io_thread_.join();
        }
        guards_.clear();
        for (auto const& context : contexts_) {
            context->stop();
        }
        for (std::thread& thread : threads_) {
            thread.join();
        }
        // Before the contexts the sessions' sockets and timers belong to are destroyed.
        server_.reset();
        handler_.drop_held();
    }

    void start_on_contexts(ServerOptions options = {}) {
        options.listen = {"127.0.0.1", 0};
        std::vector<net::io_context*> contexts;
        for (std::size_t i = 0; i < kContexts; ++i) {
            contexts_.push_back(std::make_unique<net::io_context>(1));
            guards_.emplace_back(contexts_.back()->get_executor());  // running with no session
            contexts.push_back(contexts_.back().get());
        }
        server_ = std::make_unique<Server>(ioc_, std::move(options), handler_, metrics_, logger_,
                                           contexts);
        server_->start();
        io_thread_ = std::thread([this] {
            ioc_.run();
            io_returned_ = true;
        });
        for (std::size_t i = 0; i < kContexts; ++i) {
            threads_.emplace_back([this, i] {
                {
                    std::lock_guard lock(ids_mutex_);
                    thread_ids_.push_back(std::this_thread::get_id());
                }
                contexts_[i]->run();
                ++contexts_returned_;
            });
        }
        ASSERT_TRUE(eventually([this] {
            std::lock_guard lock(ids_mutex_);
            return thread_ids_.size() == kContexts;
        }));
    }

    std::vector<std::thread::id> thread_ids() {
        std::lock_guard lock(ids_mutex_);
        return thread_ids_;
    }

    std::vector<Guard> guards_;
    std::vector<std::thread> threads_;
    std::mutex ids_mutex_;
    std::vector<std::thread::id> thread_ids_;  // of the threads running contexts_
    std::atomic<std::size_t> contexts_returned_{0};
    std::atomic<int> closed_calls_{0};  // Server::stop's `closed`
};

TEST_F(ServerContextsTest, AnswersTwelveConcurrentClientsSpreadRoundRobinOverTheContexts) {
    start_on_contexts();
    constexpr int kClients = 12;
    constexpr int kRequests = 4;
    std::atomic<int> answered{0};
    std::mutex failures_mutex;
    std::vector<std::string> failures;
    std::vector<std::thread> clients;
    for (int n = 0; n < kClients; ++n) {
        clients.emplace_back([&, n] {
            Client client(endpoint());
            for (int r = 0; r < kRequests; ++r) {
                std::string const target = "/c" + std::to_string(n) + "-" + std::to_string(r);
                client.send(post(target, "x"));
                auto const response = client.read(5s);
                if (response && response->result() == http::status::ok &&
                    response->body() == target + " x" && response->keep_alive()) {
                    ++answered;
                } else {
                    std::lock_guard lock(failures_mutex);
                    failures.push_back(
                        target + ": " +
                        (response ? std::string(response->body()) : response.error().message()));
                }
            }
        });
    }
    for (std::thread& client : clients) {
        client.join();
    }
    EXPECT_THAT(failures, ::testing::IsEmpty());
    EXPECT_EQ(answered.load(), kClients * kRequests);
    EXPECT_EQ(handler_.targets().size(), std::size_t{kClients * kRequests});

    // Each connection lives on one context from accept to close, and they go round robin: each
    // context's thread handled the requests of kClients / kContexts connections, and no other
    // thread (the listener's) handled any.
    auto const ids = thread_ids();
    std::map<std::thread::id, int> per_thread;
    for (std::thread::id const& id : handler_.threads()) {
        ++per_thread[id];
    }
    ASSERT_EQ(per_thread.size(), kContexts);
    for (std::thread::id const& id : ids) {
        EXPECT_EQ(per_thread[id], kClients / static_cast<int>(kContexts) * kRequests);
    }
    EXPECT_TRUE(eventually([&] { return server_->open_connections() == 0; }));
}

TEST_F(ServerContextsTest, StopCallsClosedOnceWhenTheLastConnectionOnAnyContextIsGone) {
    start_on_contexts();
    std::vector<std::unique_ptr<Client>> idle;
    for (std::size_t i = 0; i < 2 * kContexts; ++i) {
        idle.push_back(connected_client());  // two on each context
    }
    Client busy(endpoint());
    busy.send(post("/hold", "x"));
    ASSERT_TRUE(handler_.wait_until_holding(1));
    ASSERT_EQ(server_->open_connections(), 2 * kContexts + 1);

    // A deadline far off: only the connections' own closing may call `closed` within the test.
    server_->stop(30s, [this] { ++closed_calls_; });
    for (auto const& client : idle) {
        EXPECT_TRUE(client->closed_by_server());
    }
    EXPECT_TRUE(eventually([&] { return server_->open_connections() == 1; }));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(closed_calls_.load(), 0) << "`closed` ran while a connection was still open";

    handler_.release();
    auto const response = busy.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->body(), "released");
    EXPECT_FALSE(response->keep_alive());
    EXPECT_TRUE(busy.closed_by_server());
    EXPECT_TRUE(eventually([&] { return closed_calls_.load() >= 1; }))
        << "`closed` did not run once the last connection was gone";
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(closed_calls_.load(), 1);
    EXPECT_EQ(server_->open_connections(), 0u);
    // The shutdown deadline's timer is cancelled: nothing is left for the listener's thread.
    EXPECT_TRUE(eventually([&] { return io_returned_.load(); }));
    // Nor for the sessions' threads, once the test's own work guards are gone.
    guards_.clear();
    EXPECT_TRUE(eventually([&] { return contexts_returned_.load() == kContexts; }));
}

TEST_F(ServerContextsTest, StopCallsClosedAtOnceWhenNoConnectionIsOpen) {
    start_on_contexts();
    auto client = connected_client();
    client->close();
    ASSERT_TRUE(eventually([&] { return server_->open_connections() == 0; }));
    server_->stop(30s, [this] { ++closed_calls_; });
    EXPECT_TRUE(eventually([&] { return closed_calls_.load() == 1; }));
    EXPECT_TRUE(eventually([&] { return io_returned_.load(); }));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(closed_calls_.load(), 1);
}

// The memory budget (buffer_budget.hpp): max_body_bytes 512 KiB in a 2 MiB budget, whose large
// part (1.5 MiB) takes two such requests with their read buffers, but not a third.
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

std::string post_header(std::string_view target, std::size_t content_length,
                        std::string_view extra_headers = "") {
    return "POST " + std::string(target) +
           " HTTP/1.1\r\nHost: callsink\r\nContent-Length: " + std::to_string(content_length) +
           "\r\n" + std::string(extra_headers) + "\r\n";
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

class ServerBudgetTest : public ServerTest {
  protected:
    std::size_t used() const { return server_->buffer_budget().used(); }

    // A client that sent the header of a `length`-byte body and nothing of it: its connection
    // holds the declared length (and its read buffer) from then on.
    std::unique_ptr<Client> stalled_request(std::size_t length) {
        std::size_t const before = used();
        auto client = std::make_unique<Client>(endpoint());
        client->send(post_header("/stalled", length));
        EXPECT_TRUE(eventually([&] { return used() >= before + length; }))
            << "a stalled request of " << length << " bytes was not charged; used " << used();
        return client;
    }

    // Stalled requests that fill the large part of the budget, but for less than a read chunk.
    std::vector<std::unique_ptr<Client>> fill_large_part() {
        std::vector<std::unique_ptr<Client>> holders;
        holders.push_back(stalled_request(kMaxBody));
        holders.push_back(stalled_request(kMaxBody));
        // Room for the third one's read buffer (one read chunk) and a chunk to spare.
        holders.push_back(stalled_request(kLargePart - used() - 2 * Session::kReadChunk));
        EXPECT_GE(used(), kLargePart - 2 * Session::kReadChunk);
        EXPECT_LE(used(), kLargePart);
        return holders;
    }
};

TEST_F(ServerBudgetTest, TheTestBudgetAdmitsOneRequestOfMaxBodyBytes) {
    EXPECT_GE(kBudget, BufferBudget::smallest_limit_for(kMaxBody));
    // And two of them, with their read buffers, fill its large part: a third is refused.
    EXPECT_LT(kLargePart - 2 * (kMaxBody + Session::kReadChunk), kMaxBody + Session::kReadChunk);
}

TEST_F(ServerBudgetTest, Refuses503BeforeTheBodyWhenItsLengthWouldPassTheLargePart) {
    start(budget_options());
    auto const first = stalled_request(kMaxBody);
    auto const second = stalled_request(kMaxBody);
    Client client(endpoint());
    client.send(post_header("/third", kMaxBody));  // the header only: no byte of the body
    expect_over_budget_refusal(client.read());
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_TRUE(handler_.targets().empty());
    EXPECT_EQ(metrics_.over_budget(), 1u);
    EXPECT_EQ(metrics_.requests(503), 1u);
    // The refused connection gave back what it held; the holders still hold theirs.
    EXPECT_TRUE(eventually([&] { return used() <= kLargePart; }));
    EXPECT_GE(used(), 2 * kMaxBody);
}

TEST_F(ServerBudgetTest, Answers503Instead100ContinueWhenTheBudgetIsFull) {
    start(budget_options());
    auto const holders = fill_large_part();
    Client client(endpoint());
    client.send(post_header("/summary", 100 * 1024, "Expect: 100-continue\r\n"));
    auto const response = client.read();
    expect_over_budget_refusal(response);  // the first reply: no 100 Continue before it
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_TRUE(handler_.targets().empty());
    EXPECT_EQ(metrics_.over_budget(), 1u);
    EXPECT_EQ(metrics_.requests(503), 1u);
}

TEST_F(ServerBudgetTest, SendsThe100ContinueWhenTheBudgetHasRoom) {
    start(budget_options());
    auto const holder = stalled_request(kMaxBody);
    Client client(endpoint());
    client.send(post_header("/summary", kMaxBody, "Expect: 100-continue\r\n"));
    auto const interim = client.read();
    ASSERT_TRUE(interim.has_value()) << interim.error().message();
    EXPECT_EQ(interim->result(), http::status::continue_);
    EXPECT_EQ(client.send_within(std::string(kMaxBody, 'b'), kTimeout), error_code());
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_EQ(response->body().size(), std::string("/summary ").size() + kMaxBody);
    EXPECT_EQ(metrics_.over_budget(), 0u);
}

TEST_F(ServerBudgetTest, Refuses503AChunkedBodyThatGrowsPastTheBudget) {
    start(budget_options());
    auto const holders = fill_large_part();
    Client client(endpoint());
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
    EXPECT_EQ(metrics_.over_budget(), 1u);
    EXPECT_EQ(metrics_.requests(503), 1u);
    EXPECT_EQ(metrics_.requests(413), 0u);
}

TEST_F(ServerBudgetTest, AcceptsAChunkedBodyThatFitsTheBudget) {
    start(budget_options());
    auto const holder = stalled_request(kMaxBody);
    Client client(endpoint());
    client.send("POST /chunked HTTP/1.1\r\nHost: callsink\r\nTransfer-Encoding: chunked\r\n\r\n" +
                chunked_body(16, 16 * 1024));
    auto const response = client.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_EQ(response->body().size(), std::string("/chunked ").size() + 16 * 16 * 1024);
    EXPECT_EQ(metrics_.over_budget(), 0u);
}

TEST_F(ServerBudgetTest, ServesASmallRequestFromTheReserveWhileLargeOnesHoldTheirPart) {
    start(budget_options());
    auto const holders = fill_large_part();
    // A large request is refused...
    Client large(endpoint());
    large.send(post_header("/large", 100 * 1024));
    expect_over_budget_refusal(large.read());
    // ...while a delivery of an ordinary size is served, and again on the same connection.
    Client small(endpoint());
    std::string const event(1024, 'e');
    for (int i = 0; i < 3; ++i) {
        small.send(post("/status", event));
        auto const response = small.read();
        ASSERT_TRUE(response.has_value()) << response.error().message();
        EXPECT_EQ(response->result(), http::status::ok);
        EXPECT_EQ(response->body(), "/status " + event);
        EXPECT_TRUE(response->keep_alive());
    }
    EXPECT_EQ(metrics_.requests(200), 3u);
    EXPECT_EQ(metrics_.requests(503), 1u);
    EXPECT_EQ(metrics_.over_budget(), 1u);
}

TEST_F(ServerBudgetTest, GivesTheBudgetBackWhenTheConnectionsClose) {
    start(budget_options());
    auto holders = fill_large_part();
    Client refused(endpoint());
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
    EXPECT_EQ(metrics_.over_budget(), 1u);
}

TEST_F(ServerBudgetTest, AnIdleKeptAliveConnectionHoldsNothing) {
    start(budget_options());
    auto const client = connected_client();
    client->send(post("/big", std::string(200 * 1024, 'b')));
    auto const response = client->read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_TRUE(eventually([&] { return used() == 0; }));
    EXPECT_EQ(server_->open_connections(), 1u);
}

TEST_F(ServerBudgetTest, DrainsARefusedBodyWithinKLingerBytesAndClosesCleanly) {
    start(budget_options());
    auto const holders = fill_large_part();
    // Over kSmallHolding with the read buffer's first chunk, so a large request; all of it within
    // what a lingering close drains.
    std::size_t const length = Session::kLingerBytes - 2 * 1024;
    ASSERT_GT(Session::kReadChunk + length, BufferBudget::kSmallHolding);
    Client client(endpoint());
    EXPECT_EQ(client.send_within(post("/large", std::string(length, 'b')), kDrainTimeout),
              error_code());
    expect_over_budget_refusal(client.read());
    // The server read all that was sent: the end is a clean one, no reset.
    EXPECT_EQ(client.end_of_stream(), net::error::eof);
    EXPECT_TRUE(handler_.targets().empty());
    EXPECT_EQ(metrics_.over_budget(), 1u);
    EXPECT_EQ(metrics_.requests(503), 1u);
}

TEST_F(ServerBudgetTest, AClientSendingARefused1MiBBodyInFullStillReadsThe503) {
    ServerOptions options;
    options.max_body_bytes = 1024 * 1024;
    options.max_buffered_bytes = kBudget;
    ASSERT_GE(options.max_buffered_bytes, BufferBudget::smallest_limit_for(options.max_body_bytes));
    start(options);
    auto const holder = stalled_request(options.max_body_bytes);
    Client client(endpoint());
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
    EXPECT_EQ(metrics_.over_budget(), 1u);
    EXPECT_EQ(metrics_.requests(503), 1u);
    // The refused connection holds nothing; the holder its 1 MiB and read buffer.
    EXPECT_TRUE(
        eventually([&] { return used() < options.max_body_bytes + Session::kReadBufferLimit; }));
}

// Like the registry (session_registry.hpp), what a session uses must outlive the server object:
// its last reference may go after the server is destroyed (here: a reply the handler never gave).
TEST_F(ServerBudgetTest, ASessionThatOutlivesTheServerGivesItsChargeBackSafely) {
    start(budget_options());
    Client client(endpoint());
    client.send(post("/hold", std::string(100 * 1024, 'h')));
    ASSERT_TRUE(handler_.wait_until_holding(1));
    ASSERT_GT(used(), 100u * 1024);
    ioc_.stop();
    io_thread_.join();
    server_.reset();
    handler_.drop_held();  // the session's last reference: it gives back its charge now
}

TEST_F(ServerBudgetTest, KeepsTheBodysChargeUntilThePipelineAnswers) {
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

TEST_F(ServerBudgetTest, AMalformedRequestGivesItsReadBufferBackBeforeTheLingeringCloseEnds) {
    start(budget_options());
    Client client(endpoint());
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

TEST_F(ServerBudgetTest, ChargesAReplyTheClientDoesNotRead) {
    start(budget_options());
    // A reply bigger than the socket buffers take, to a client that reads nothing: the server
    // keeps writing it, and it is charged (past the budget: the reply exists already).
    Client client(endpoint(), 4096);
    client.send(post("/big-reply", ""));
    EXPECT_TRUE(eventually([&] { return used() >= kBigReply; }));
    std::this_thread::sleep_for(200ms);
    EXPECT_GE(used(), kBigReply) << "the unread reply was not charged";
    EXPECT_EQ(metrics_.over_budget(), 0u);
    client.close();
    EXPECT_TRUE(eventually([&] { return used() == 0; }, kDrainTimeout)) << "used " << used();
}

}  // namespace
}  // namespace callsink
