// IoThreads: one io_context per thread, context 0 on the thread that calls run(); run() ends only
// after finish() and once every context has run out of work; an exception escaping a handler is
// logged and stops every context. Each test runs run() on a thread of its own, and every wait is
// bounded: a run() that does not return is stopped by the test, not left to hang.
#include "callsink/http/io_threads.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "eventually.hpp"

namespace callsink {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

using testing::eventually;
using testing::kTimeout;

class IoThreadsTest : public ::testing::Test {
  protected:
    ~IoThreadsTest() override {
        // A run() that did not return as it should: stop it, so the test fails instead of hanging.
        if (runner_.joinable()) {
            if (io_) {
                io_->finish();
                for (net::io_context* context : io_->contexts()) {
                    context->stop();
                }
            }
            runner_.join();
        }
    }

    // run() on a thread of its own, which it reports as `runner_id_`.
    void run(unsigned count) {
        io_ = std::make_unique<IoThreads>(count);
        runner_ = std::thread([this] {
            runner_id_ = std::this_thread::get_id();
            io_->run(*logger_);
            returned_ = true;
        });
    }

    bool returned_within(std::chrono::milliseconds timeout = kTimeout) {
        return eventually([this] { return returned_.load(); }, timeout);
    }

    std::string log_text() const {
        std::string text;
        for (std::string const& line : log_->last_formatted()) {
            text += line;
        }
        return text;
    }

    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> log_ = [] {
        auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
        sink->set_pattern("%l: %v");
        return sink;
    }();
    std::shared_ptr<spdlog::logger> logger_ = std::make_shared<spdlog::logger>("test", log_);
    std::unique_ptr<IoThreads> io_;
    std::thread runner_;
    std::thread::id runner_id_;
    std::atomic<bool> returned_{false};
};

TEST_F(IoThreadsTest, MakesOneContextPerThreadAndAtLeastOne) {
    IoThreads four(4);
    auto const contexts = four.contexts();
    ASSERT_EQ(contexts.size(), 4u);
    EXPECT_EQ(contexts.front(), &four.main());
    EXPECT_EQ(std::set<net::io_context*>(contexts.begin(), contexts.end()).size(), 4u);
    IoThreads none(0);
    ASSERT_EQ(none.contexts().size(), 1u);
    EXPECT_EQ(none.contexts().front(), &none.main());
}

TEST_F(IoThreadsTest, AContextOutOfWorkIsNotStoppedUntilFinish) {
    // Without threads: io_context::poll() runs what is ready and stops a context that has no work
    // left, as run() would; only the work each context is given until finish() keeps it going.
    IoThreads io(3);
    for (net::io_context* context : io.contexts()) {
        EXPECT_EQ(context->poll(), 0u);
        EXPECT_FALSE(context->stopped());
    }
    io.finish();
    for (net::io_context* context : io.contexts()) {
        EXPECT_EQ(context->poll(), 0u);
        EXPECT_TRUE(context->stopped());
    }
}

TEST_F(IoThreadsTest, RunReturnsOnlyAfterFinishOnceEveryContextRanItsWork) {
    run(3);
    std::atomic<int> ran{0};
    for (net::io_context* context : io_->contexts()) {
        net::post(*context, [&ran] { ++ran; });
    }
    ASSERT_TRUE(eventually([&] { return ran.load() == 3; }));
    // Out of work, but not finished: every context waits for more (shown without threads by
    // AContextOutOfWorkIsNotStoppedUntilFinish), so work posted now, to any context, still runs.
    for (net::io_context* context : io_->contexts()) {
        net::post(*context, [&ran] { ++ran; });
    }
    EXPECT_TRUE(eventually([&] { return ran.load() == 6; }));
    EXPECT_FALSE(returned_.load());

    io_->finish();  // from this thread, not an io thread
    EXPECT_TRUE(returned_within()) << "run() did not return after finish()";
    EXPECT_EQ(ran.load(), 6);
}

TEST_F(IoThreadsTest, FinishLetsWorkStillPendingOnEveryContextEndFirst) {
    run(3);
    std::atomic<int> fired{0};
    std::vector<std::unique_ptr<net::steady_timer>> timers;
    for (net::io_context* context : io_->contexts()) {
        timers.push_back(std::make_unique<net::steady_timer>(*context, 300ms));
        timers.back()->async_wait([&fired](boost::system::error_code ec) {
            if (!ec) {
                ++fired;
            }
        });
    }
    auto const finished = std::chrono::steady_clock::now();
    io_->finish();
    ASSERT_TRUE(returned_within(5s));
    EXPECT_EQ(fired.load(), 3) << "a context ended with a timer still pending";
    EXPECT_GE(std::chrono::steady_clock::now() - finished, 250ms);
    runner_.join();
}

TEST_F(IoThreadsTest, FinishTwiceOrFromAnIoThreadIsHarmless) {
    run(2);
    net::post(*io_->contexts()[1], [this] {
        io_->finish();
        io_->finish();
    });
    EXPECT_TRUE(returned_within());
    io_->finish();
}

TEST_F(IoThreadsTest, EachContextIsRunByAThreadOfItsOwnContextZeroByTheCaller) {
    constexpr unsigned kCount = 4;
    run(kCount);
    std::mutex mutex;
    std::vector<std::thread::id> ids(kCount);
    std::atomic<unsigned> recorded{0};
    auto const contexts = io_->contexts();
    for (unsigned i = 0; i < kCount; ++i) {
        // Twice each: a context keeps to its thread.
        for (int twice = 0; twice < 2; ++twice) {
            net::post(*contexts[i], [&, i] {
                std::lock_guard lock(mutex);
                if (ids[i] == std::thread::id()) {
                    ids[i] = std::this_thread::get_id();
                } else {
                    EXPECT_EQ(ids[i], std::this_thread::get_id()) << "context " << i;
                }
                ++recorded;
            });
        }
    }
    ASSERT_TRUE(eventually([&] { return recorded.load() == 2 * kCount; }));
    io_->finish();
    ASSERT_TRUE(returned_within());
    runner_.join();

    std::lock_guard lock(mutex);
    EXPECT_EQ(ids[0], runner_id_) << "context 0 is not run by the thread that called run()";
    EXPECT_EQ(std::set<std::thread::id>(ids.begin(), ids.end()).size(), kCount)
        << "two contexts share a thread";
    for (std::thread::id const& id : ids) {
        EXPECT_NE(id, std::thread::id());
        EXPECT_NE(id, std::this_thread::get_id());
    }
}

TEST_F(IoThreadsTest, AnExceptionOnAnotherContextIsLoggedAndStopsThemAll) {
    run(3);
    std::atomic<bool> main_ran{false};
    net::post(io_->main(), [&main_ran] { main_ran = true; });
    ASSERT_TRUE(eventually([&] { return main_ran.load(); }));
    // No finish(): only the exception can end run().
    net::post(*io_->contexts()[2], [] { throw std::runtime_error("boom on context 2"); });
    EXPECT_TRUE(returned_within()) << "run() went on after a handler threw";
    EXPECT_THAT(log_text(), HasSubstr("critical: io thread failed: boom on context 2"));
    // Every context is stopped, not just the one that threw: work posted now does not run.
    for (net::io_context* context : io_->contexts()) {
        EXPECT_TRUE(context->stopped());
    }
}

TEST_F(IoThreadsTest, AnExceptionOnTheMainContextStopsTheOthers) {
    run(3);
    std::atomic<int> ran{0};
    for (net::io_context* context : io_->contexts()) {
        net::post(*context, [&ran] { ++ran; });
    }
    ASSERT_TRUE(eventually([&] { return ran.load() == 3; }));
    net::post(io_->main(), [] { throw std::runtime_error("boom on context 0"); });
    EXPECT_TRUE(returned_within()) << "run() went on after a handler threw";
    EXPECT_THAT(log_text(), HasSubstr("io thread failed: boom on context 0"));
    for (net::io_context* context : io_->contexts()) {
        EXPECT_TRUE(context->stopped());
    }
}

TEST_F(IoThreadsTest, LogsNothingWhenItEndsNormally) {
    run(2);
    io_->finish();
    ASSERT_TRUE(returned_within());
    EXPECT_EQ(log_text(), "");
}

}  // namespace
}  // namespace callsink
