#include "callsink/sinks/buffered_sink.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <future>
#include <sstream>

#include "callsink/sinks/stdout/stdout_sink.hpp"
#include "eventually.hpp"
#include "fake_sink.hpp"

namespace callsink {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::FakeSink;

// Passes everything to the sink it wraps, and says when it is destroyed: behind a BufferedSink
// whose thread was abandoned, that is the thread's last act.
class SaysWhenDestroyed final : public Sink {
  public:
    explicit SaysWhenDestroyed(std::unique_ptr<Sink> inner) : inner_(std::move(inner)) {}
    ~SaysWhenDestroyed() override { destroyed_.set_value(); }

    std::future<void> destroyed() { return destroyed_.get_future(); }

    std::string const& name() const override { return inner_->name(); }
    boost::system::error_code write(std::span<Record const> batch) override {
        return inner_->write(batch);
    }
    boost::system::error_code sync() override { return inner_->sync(); }
    boost::system::error_code reopen() override { return inner_->reopen(); }
    void close() override { inner_->close(); }

  private:
    std::unique_ptr<Sink> inner_;
    std::promise<void> destroyed_;
};

// Takes every write at once, and holds close() until released: a destination that flushes as it
// closes, to a reader that went away.
class HeldInClose final : public Sink {
  public:
    explicit HeldInClose(std::shared_future<void> released) : released_(std::move(released)) {}

    std::string const& name() const override { return name_; }
    boost::system::error_code write(std::span<Record const>) override { return {}; }
    boost::system::error_code sync() override { return {}; }
    boost::system::error_code reopen() override { return {}; }
    void close() override { released_.wait(); }

  private:
    std::string name_ = "slow";
    std::shared_future<void> released_;
};

class BufferedSinkTest : public ::testing::Test {
  protected:
    std::shared_ptr<spdlog::logger> logger_ = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
    std::ostringstream log_;
};

std::vector<Record> batch_of(std::size_t n, std::size_t line_size = 100) {
    return std::vector<Record>(
        n, Record{RecordKind::event, std::string(line_size - 1, 'x') + "\n", {}, {}, {}});
}

TEST_F(BufferedSinkTest, HandsEveryRecordToTheInnerSinkInOrder) {
    auto inner = std::make_unique<FakeSink>();
    FakeSink* fake = inner.get();
    BufferedSink sink(std::move(inner), 100, logger_);
    for (int i = 0; i < 10; ++i) {
        std::vector<Record> one{{RecordKind::event, std::to_string(i) + "\n", {}, {}, {}}};
        ASSERT_FALSE(sink.write(one));
    }
    sink.close();
    auto const lines = fake->lines();
    ASSERT_EQ(lines.size(), 10u);
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(lines[i], std::to_string(i) + "\n");
    }
    EXPECT_EQ(sink.dropped(), 0u);
}

TEST_F(BufferedSinkTest, ABlockedStdoutPipeNeverBlocksTheWriterAndDropsAreCounted) {
    std::signal(SIGPIPE, SIG_IGN);  // as callsink's main does
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    auto inner = std::make_unique<SaysWhenDestroyed>(std::make_unique<StdoutSink>(fds[1]));
    std::future<void> inner_destroyed = inner->destroyed();
    auto sink = std::make_unique<BufferedSink>(std::move(inner), 50, logger_, 100ms);
    // Nobody reads the pipe: 64 KiB fill it, and the inner write blocks for good. The buffer
    // alone (50 records of 10 KB) holds more than that, however the threads are scheduled.
    auto const start = std::chrono::steady_clock::now();
    for (int i = 0; i < 100; ++i) {
        ASSERT_FALSE(sink->write(batch_of(20, 10'000)));
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    EXPECT_GT(sink->dropped(), 0u);
    EXPECT_NE(log_.str().find("is behind"), std::string::npos) << log_.str();

    auto const closing = std::chrono::steady_clock::now();
    sink.reset();  // close() gives up on the blocked pipe after its timeout
    EXPECT_LT(std::chrono::steady_clock::now() - closing, 2s);
    EXPECT_NE(log_.str().find("is blocked"), std::string::npos) << log_.str();
    ::close(fds[0]);  // unblocks the abandoned thread with EPIPE
    // Its last write has returned once it let go of the inner sink: fds[1] may be closed (and
    // its number reused) only then.
    inner_destroyed.wait();
    ::close(fds[1]);
}

TEST_F(BufferedSinkTest, ADestinationThatDoesNotCloseInTimeIsSaidToWhenNoRecordWasLost) {
    std::promise<void> release;
    auto inner =
        std::make_unique<SaysWhenDestroyed>(std::make_unique<HeldInClose>(release.get_future()));
    std::future<void> inner_destroyed = inner->destroyed();
    auto sink = std::make_unique<BufferedSink>(std::move(inner), 100, logger_, 50ms);
    ASSERT_FALSE(sink->write(batch_of(3)));
    ASSERT_TRUE(eventually([&] { return sink->in_flight() == 0; }));  // all three written
    sink.reset();  // close() gives up on the destination's close() after its timeout
    release.set_value();
    EXPECT_EQ(inner_destroyed.wait_for(5s), std::future_status::ready);  // the thread ended
    EXPECT_NE(log_.str().find("slow did not close within 50 ms at shutdown; nothing was left in "
                              "its buffer"),
              std::string::npos)
        << log_.str();
    EXPECT_EQ(log_.str().find("buffered records were not written"), std::string::npos)
        << log_.str();
}

TEST_F(BufferedSinkTest, ReportsTheDestinationsLastOutcomeOnTheNextWrite) {
    auto inner = std::make_unique<FakeSink>("flaky");
    FakeSink* fake = inner.get();
    auto const eio = boost::system::error_code(EIO, boost::system::system_category());
    fake->fail_with(eio);
    fake->hold();  // the thread's first write waits in the destination
    BufferedSink sink(std::move(inner), 100, logger_);
    EXPECT_FALSE(sink.write(batch_of(1)));  // nothing written yet: nothing known to be wrong
    fake->release();
    ASSERT_TRUE(eventually([&] { return sink.check() == eio; }));  // the thread's write failed
    EXPECT_EQ(sink.write(batch_of(1)), eio);
    fake->fail_with({});
    // Each write reports the one before it: the one after a successful write says so.
    EXPECT_TRUE(eventually([&] { return !sink.write(batch_of(1)); }));
    sink.close();
}

TEST_F(BufferedSinkTest, CheckReportsAFailureThatCameAfterTheLastWrite) {
    auto inner = std::make_unique<FakeSink>("flaky");
    FakeSink* fake = inner.get();
    auto const eio = boost::system::error_code(EIO, boost::system::system_category());
    fake->fail_with(eio);
    fake->hold();  // the thread's write waits in the destination until the delivery is answered
    BufferedSink sink(std::move(inner), 100, logger_);
    EXPECT_FALSE(sink.check());
    EXPECT_FALSE(sink.write(batch_of(1)));  // the last delivery: no write follows it
    fake->release();
    EXPECT_TRUE(eventually([&] { return sink.check() == eio; }));
    EXPECT_EQ(fake->write_calls(), 1u);  // check() wrote nothing
    sink.close();
}

TEST_F(BufferedSinkTest, ForwardsReopen) {
    auto inner = std::make_unique<FakeSink>();
    FakeSink* fake = inner.get();
    BufferedSink sink(std::move(inner), 100, logger_);
    ASSERT_FALSE(sink.reopen());
    ASSERT_FALSE(sink.write(batch_of(1)));
    sink.close();
    EXPECT_EQ(fake->reopen_calls(), 1);
}

}  // namespace
}  // namespace callsink

namespace callsink {
namespace {

TEST_F(BufferedSinkTest, IsBoundedInBytesAsWellAsInRecords) {
    auto inner = std::make_unique<FakeSink>();
    FakeSink* fake = inner.get();
    fake->hold();  // nothing leaves the buffer
    BufferedSink sink(std::move(inner), /*capacity=*/1000, logger_, 100ms);
    for (int i = 0; i < 40; ++i) {
        ASSERT_FALSE(sink.write(batch_of(1, 1024 * 1024)));  // 40 MiB offered, 1000 records allowed
    }
    // At most 16 MiB wait in the buffer, and at most as much is in the held write the sink's
    // thread took from it: 32 of the 40 MiB at the most, whatever the scheduling.
    EXPECT_GE(sink.dropped(), 40u - 32u);
    fake->release();
    sink.close();
}

}  // namespace
}  // namespace callsink
