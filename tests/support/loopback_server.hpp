// A Server on 127.0.0.1:0 for the http tests, with a RequestHandler of the tests' own, run on an
// io thread: the fixture that the Server, Session and memory-budget tests derive theirs from.
// The handler remembers what it was asked and can hold a reply until the test releases it, so a
// test waits on that event instead of sleeping.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "callsink/http/messages.hpp"
#include "callsink/http/request_handler.hpp"
#include "callsink/http/server.hpp"
#include "callsink/http/server_options.hpp"
#include "callsink/ops/metrics.hpp"
#include "eventually.hpp"
#include "http_client.hpp"

namespace callsink::testing {

// What ScriptedHandler answers to /big-reply: more than the kernel's socket buffers take.
inline constexpr std::size_t kBigReply = 16 * 1024 * 1024;

// Replies "<target> <body>" at once, except to /hold, whose reply waits until release(), and to
// /big-reply, which gets kBigReply bytes. Thread-safe: sessions call it on their io threads while
// the test inspects it.
class ScriptedHandler final : public RequestHandler {
  public:
    void handle(Request const& request, boost::asio::ip::address const& peer,
                Respond respond) override {
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

    std::vector<boost::asio::ip::address> peers() const {
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
    std::vector<boost::asio::ip::address> peers_;
    std::vector<std::thread::id> threads_;
    std::vector<Respond> held_;
};

class LoopbackServerTest : public ::testing::Test {
  protected:
    ~LoopbackServerTest() override {
        ioc_.stop();
        if (io_thread_.joinable()) {
            io_thread_.join();
        }
        server_.reset();
        handler_.drop_held();
    }

    // The server with its sessions on `ioc_`, run by one thread.
    void start(ServerOptions options = {}) {
        options.listen = {"127.0.0.1", 0};
        server_ = std::make_unique<Server>(ioc_, std::move(options), handler_, metrics_, logger_);
        server_->start();
        run_io_thread();
    }

    // Runs `ioc_` on io_thread_, which sets io_returned_ once it ran out of work.
    void run_io_thread() {
        io_thread_ = std::thread([this] {
            ioc_.run();
            io_returned_ = true;
        });
    }

    boost::asio::ip::tcp::endpoint endpoint() const { return server_->local_endpoint(); }

    // Whether every handler queued on `context` so far ran within the timeout. A context runs its
    // handlers one at a time, in order, so what they set off there has happened once this is
    // true: a test shows that something did not happen without sleeping. A context whose thread
    // ran out of work and returned (`ioc_`, once io_returned_) has nothing queued either.
    bool ran_what_is_queued_on(boost::asio::io_context& context) {
        auto ran = std::make_shared<std::atomic<bool>>(false);
        boost::asio::post(context, [ran] { *ran = true; });
        bool const may_return = &context == &ioc_;
        return eventually([&] { return *ran || (may_return && io_returned_); });
    }

    // A client whose connection the server has taken (a request answered on it).
    std::unique_ptr<HttpClient> connected_client() {
        auto client = std::make_unique<HttpClient>(endpoint());
        client->send(post("/hello", ""));
        auto const response = client->read();
        EXPECT_TRUE(response.has_value());
        return client;
    }

    boost::asio::io_context ioc_;
    Metrics metrics_;
    ScriptedHandler handler_;
    std::shared_ptr<spdlog::logger> logger_ =
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    // On the heap, so that a session using the server's state after it is gone is a
    // use-after-free that the sanitizers see.
    std::unique_ptr<Server> server_;
    std::thread io_thread_;
    std::atomic<bool> io_returned_{false};
};

}  // namespace callsink::testing
