// Server with its sessions on several io_contexts, as the daemon runs it with [server] threads > 1
// (io_threads.hpp): connections spread round robin, each living on one context's thread, and
// stop()'s `closed` called once, when the last connection on any context is gone. Every wait is
// bounded and waits for an event; none sleeps to show that nothing happened: to show that
// `closed` has not run, a test first lets every context run what is queued on it, and to show
// that it ran only once, it waits until no thread is left to run it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "callsink/http/messages.hpp"
#include "callsink/http/server.hpp"
#include "callsink/http/server_options.hpp"
#include "eventually.hpp"
#include "http_client.hpp"
#include "loopback_server.hpp"

namespace callsink {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using testing::eventually;
using testing::HttpClient;
using testing::post;

// The sessions' io_contexts, in a base class listed before the server's fixture so that they
// outlive its `ioc_` and its server: the listener's pending accept, destroyed with `ioc_`, holds a
// socket of one of them, and so do the sessions the server's destructor lets go. (IoThreads's
// destructor destroys context 0, the listener's, first for the same reason.)
struct SessionContexts {
    std::vector<std::unique_ptr<net::io_context>> contexts_;
};

// The listener on `ioc_`, its sessions spread over kContexts other io_contexts, each run by a
// thread of its own.
class ServerContextsTest : public SessionContexts, public testing::LoopbackServerTest {
  protected:
    static constexpr std::size_t kContexts = 3;
    using Guard = net::executor_work_guard<net::io_context::executor_type>;

    // The base's destructor then destroys the server, before the contexts go.
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
        run_io_thread();
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

    // Whether every handler queued so far on the sessions' contexts, then on the listener's, ran
    // within the timeout: what a connection's closing set off on its context, or posted from
    // there to the listener's, has happened by then.
    bool ran_what_is_queued() {
        for (auto const& context : contexts_) {
            if (!ran_what_is_queued_on(*context)) {
                return false;
            }
        }
        return ran_what_is_queued_on(ioc_);
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
            HttpClient client(endpoint());
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
    std::vector<std::unique_ptr<HttpClient>> idle;
    for (std::size_t i = 0; i < 2 * kContexts; ++i) {
        idle.push_back(connected_client());  // two on each context
    }
    HttpClient busy(endpoint());
    busy.send(post("/hold", "x"));
    ASSERT_TRUE(handler_.wait_until_holding(1));
    ASSERT_EQ(server_->open_connections(), 2 * kContexts + 1);

    // A deadline far off: only the connections' own closing may call `closed` within the test.
    server_->stop(30s, [this] { ++closed_calls_; });
    for (auto const& client : idle) {
        EXPECT_TRUE(client->closed_by_server());
    }
    EXPECT_TRUE(eventually([&] { return server_->open_connections() == 1; }));
    ASSERT_TRUE(ran_what_is_queued());
    EXPECT_EQ(closed_calls_.load(), 0) << "`closed` ran while a connection was still open";

    handler_.release();
    auto const response = busy.read();
    ASSERT_TRUE(response.has_value()) << response.error().message();
    EXPECT_EQ(response->body(), "released");
    EXPECT_FALSE(response->keep_alive());
    EXPECT_TRUE(busy.closed_by_server());
    EXPECT_TRUE(eventually([&] { return closed_calls_.load() >= 1; }))
        << "`closed` did not run once the last connection was gone";
    EXPECT_EQ(server_->open_connections(), 0u);
    // The shutdown deadline's timer is cancelled: nothing is left for the listener's thread.
    EXPECT_TRUE(eventually([&] { return io_returned_.load(); }));
    // Nor for the sessions' threads, once the test's own work guards are gone.
    guards_.clear();
    ASSERT_TRUE(eventually([&] { return contexts_returned_.load() == kContexts; }));
    // No thread is left that could call it again.
    EXPECT_EQ(closed_calls_.load(), 1);
}

TEST_F(ServerContextsTest, StopCallsClosedAtOnceWhenNoConnectionIsOpen) {
    start_on_contexts();
    auto client = connected_client();
    client->close();
    ASSERT_TRUE(eventually([&] { return server_->open_connections() == 0; }));
    server_->stop(30s, [this] { ++closed_calls_; });
    EXPECT_TRUE(eventually([&] { return closed_calls_.load() == 1; }));
    EXPECT_TRUE(eventually([&] { return io_returned_.load(); }));
    guards_.clear();
    ASSERT_TRUE(eventually([&] { return contexts_returned_.load() == kContexts; }));
    // No thread is left that could call it again.
    EXPECT_EQ(closed_calls_.load(), 1);
}

}  // namespace
}  // namespace callsink
