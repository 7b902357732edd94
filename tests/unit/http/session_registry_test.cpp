// SessionRegistry: ids, the count of open connections, snapshot() of the sessions still alive,
// and when_empty()'s callback, which shutdown relies on to know that every connection is gone.
#include "callsink/http/session_registry.hpp"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "callsink/http/request_handler.hpp"
#include "callsink/http/server_options.hpp"
#include "callsink/http/session.hpp"
#include "callsink/ops/metrics.hpp"

namespace callsink {
namespace {

class NoReply final : public RequestHandler {
  public:
    void handle(Request const&, boost::asio::ip::address const&, Respond) override {}
};

// Real (never started) sessions, so snapshot() has something to lock.
class SessionRegistryTest : public ::testing::Test {
  protected:
    std::shared_ptr<Session> make_session() {
        return std::make_shared<Session>(
            Session::Socket(ioc_), boost::asio::ip::address(), options_, handler_, metrics_,
            budget_, registry_,
            std::make_shared<spdlog::logger>("test",
                                             std::make_shared<spdlog::sinks::null_sink_mt>()));
    }

    boost::asio::io_context ioc_;
    ServerOptions options_;
    NoReply handler_;
    Metrics metrics_;
    std::shared_ptr<BufferBudget> budget_ = std::make_shared<BufferBudget>(
        1 << 20, metrics_,
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>()));
    std::shared_ptr<SessionRegistry> registry_ = std::make_shared<SessionRegistry>();
};

TEST_F(SessionRegistryTest, GivesEverySessionItsOwnNonZeroId) {
    std::set<std::uint64_t> ids;
    for (int i = 0; i < 100; ++i) {
        ids.insert(registry_->add({}));
    }
    EXPECT_EQ(ids.size(), 100u);
    EXPECT_EQ(ids.count(0), 0u);
}

TEST_F(SessionRegistryTest, CountsWhatWasAddedAndNotYetRemoved) {
    EXPECT_EQ(registry_->size(), 0u);
    auto const first = registry_->add({});
    auto const second = registry_->add({});
    EXPECT_EQ(registry_->size(), 2u);
    registry_->remove(first);
    EXPECT_EQ(registry_->size(), 1u);
    registry_->remove(second);
    EXPECT_EQ(registry_->size(), 0u);
}

TEST_F(SessionRegistryTest, IgnoresTheRemovalOfAnUnknownOrAlreadyRemovedId) {
    auto const id = registry_->add({});
    registry_->remove(id + 1000);
    EXPECT_EQ(registry_->size(), 1u);
    registry_->remove(id);
    registry_->remove(id);
    EXPECT_EQ(registry_->size(), 0u);
}

TEST_F(SessionRegistryTest, SnapshotHoldsOnlyTheSessionsStillAlive) {
    auto const alive = make_session();
    auto gone = make_session();
    registry_->add(alive);
    registry_->add(gone);
    gone.reset();
    auto const snapshot = registry_->snapshot();
    ASSERT_EQ(snapshot.size(), 1u);
    EXPECT_EQ(snapshot[0], alive);
    // A destroyed session that was never run never unregistered: it is still counted.
    EXPECT_EQ(registry_->size(), 2u);
}

TEST_F(SessionRegistryTest, SnapshotIsEmptyWhenNothingIsRegistered) {
    EXPECT_TRUE(registry_->snapshot().empty());
}

TEST_F(SessionRegistryTest, WhenEmptyRunsAtOnceWhenNoSessionIsOpen) {
    int calls = 0;
    registry_->when_empty([&] { ++calls; });
    EXPECT_EQ(calls, 1);
}

TEST_F(SessionRegistryTest, WhenEmptyWaitsForTheLastSessionToGo) {
    auto const first = registry_->add({});
    auto const second = registry_->add({});
    int calls = 0;
    registry_->when_empty([&] { ++calls; });
    EXPECT_EQ(calls, 0);
    registry_->remove(first);
    EXPECT_EQ(calls, 0);
    registry_->remove(second);
    EXPECT_EQ(calls, 1);
}

TEST_F(SessionRegistryTest, WhenEmptyRunsOnlyOnce) {
    auto const first = registry_->add({});
    int calls = 0;
    registry_->when_empty([&] { ++calls; });
    registry_->remove(first);
    registry_->remove(registry_->add({}));
    EXPECT_EQ(calls, 1);
}

TEST_F(SessionRegistryTest, WhenEmptyRunsOnTheThreadThatRemovesTheLastSession) {
    auto const id = registry_->add({});
    std::thread::id ran_on;
    registry_->when_empty([&] { ran_on = std::this_thread::get_id(); });
    std::thread remover([&] { registry_->remove(id); });
    std::thread::id const remover_id = remover.get_id();
    remover.join();
    EXPECT_EQ(ran_on, remover_id);
}

TEST_F(SessionRegistryTest, CancelWhenEmptyForgetsTheCallback) {
    auto const id = registry_->add({});
    int calls = 0;
    registry_->when_empty([&] { ++calls; });
    registry_->cancel_when_empty();
    registry_->remove(id);
    EXPECT_EQ(calls, 0);
}

TEST_F(SessionRegistryTest, TheCallbackMayUseTheRegistry) {
    // It runs outside the lock: a callback that reads the registry must not deadlock.
    auto const id = registry_->add({});
    std::size_t size_seen = 99;
    registry_->when_empty([&] { size_seen = registry_->size(); });
    registry_->remove(id);
    EXPECT_EQ(size_seen, 0u);
}

TEST_F(SessionRegistryTest, CountsCorrectlyUnderConcurrentAddsAndRemoves) {
    constexpr int kThreads = 4;
    constexpr int kPerThread = 500;
    std::vector<std::thread> threads;
    std::vector<std::vector<std::uint64_t>> ids(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                ids[t].push_back(registry_->add({}));
            }
            for (std::size_t i = 0; i < ids[t].size(); i += 2) {
                registry_->remove(ids[t][i]);
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(registry_->size(), static_cast<std::size_t>(kThreads * kPerThread / 2));
    std::set<std::uint64_t> unique;
    for (auto const& some : ids) {
        unique.insert(some.begin(), some.end());
    }
    EXPECT_EQ(unique.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace callsink
