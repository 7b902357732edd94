// Server over a real loopback socket: listening (the port the system chose, a port in use named
// in the error), max_connections, the count of open connections, and stop(): no new connection,
// idle ones closed, a request in flight let finish, what is left closed at the deadline. Every
// wait is bounded and waits for an event (the close, the count, the io thread running out of
// work); none sleeps to show that nothing happened.
#include "callsink/http/server.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <stdexcept>
#include <string>

#include "callsink/http/messages.hpp"
#include "callsink/http/server_options.hpp"
#include "eventually.hpp"
#include "http_client.hpp"
#include "loopback_server.hpp"

namespace callsink {
namespace {

namespace net = boost::asio;
using boost::system::error_code;
using net::ip::tcp;
using namespace std::chrono_literals;
using testing::eventually;
using ::testing::HasSubstr;
using testing::HttpClient;
using testing::kTimeout;
using testing::post;
using ::testing::StartsWith;

class ServerTest : public testing::LoopbackServerTest {};

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

TEST_F(ServerTest, RefusesAConnectionBeyondMaxConnections) {
    ServerOptions options;
    options.max_connections = 1;
    start(options);
    auto const first = connected_client();
    HttpClient extra(endpoint());
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
    HttpClient second(endpoint());
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
    HttpClient busy(endpoint());
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
    HttpClient busy(endpoint());
    busy.send(post("/hold", "x"));
    ASSERT_TRUE(handler_.wait_until_holding(1));
    server_->stop(50ms);
    EXPECT_TRUE(busy.closed_by_server());
    // The late reply goes nowhere and harms nothing.
    handler_.release();
    EXPECT_TRUE(eventually([&] { return server_->open_connections() == 0; }));
}

}  // namespace
}  // namespace callsink
