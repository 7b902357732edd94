// ReplaySender against a FakeSink, on a clock that moves to each deadline it is asked to wait for
// (so the backoff's waits are seen, not slept through): batches in order, a sink that fails for a
// while then takes the batch, a sink that stays down past retry_for and everything then counted
// as failed, records the sink holds already skipped, progress lines.
#include "callsink/app/replay_sender.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <sstream>
#include <vector>

#include "fake_sink.hpp"
#include "sample_records.hpp"

namespace callsink {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Each wait_until() moves the time to its deadline at once, and tells `on_wait`.
class JumpingClock final : public WaitClock {
  public:
    time_point now() const override { return now_; }
    void wait_until(std::condition_variable&, std::unique_lock<std::mutex>&,
                    time_point deadline) override {
        waits.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now_));
        now_ = std::max(now_, deadline);
        if (on_wait) {
            on_wait();
        }
    }
    void advance(duration by) { now_ += by; }

    std::vector<std::chrono::milliseconds> waits;
    std::function<void()> on_wait;

  private:
    time_point now_{};
};

boost::system::error_code const kRefused =
    boost::system::errc::make_error_code(boost::system::errc::connection_refused);
boost::system::error_code const kTimedOut =
    boost::system::errc::make_error_code(boost::system::errc::timed_out);

ReplaySenderOptions options(std::size_t batch_records) {
    ReplaySenderOptions options;
    options.batch_records = batch_records;
    options.first_retry = 100ms;
    options.max_retry = 1'000ms;
    options.retry_for = 3'000ms;
    options.progress_every = 5'000ms;
    return options;
}

std::vector<int> numbers(std::vector<std::string> const& lines) {
    std::vector<int> out;
    for (std::string const& line : lines) {
        Record record;
        record.line = line;
        out.push_back(testing::sample_number(record));
    }
    return out;
}

TEST(ReplaySender, SendsInBatchesInOrderAndSyncsEach) {
    testing::FakeSink sink;
    JumpingClock clock;
    std::ostringstream progress;
    ReplaySender sender(sink, options(2), progress, clock);
    for (Record& record : testing::sample_records(1, 5)) {
        EXPECT_TRUE(sender.add(std::move(record)));
    }
    EXPECT_THAT(sink.batch_sizes(), ElementsAre(2u, 2u));
    EXPECT_TRUE(sender.finish());
    EXPECT_THAT(sink.batch_sizes(), ElementsAre(2u, 2u, 1u));
    EXPECT_EQ(sink.sync_calls(), 3);
    EXPECT_THAT(numbers(sink.lines()), ElementsAre(1, 2, 3, 4, 5));
    EXPECT_EQ(sender.counts().sent, 5u);
    EXPECT_EQ(sender.counts().failed, 0u);
    EXPECT_FALSE(sender.gave_up());
    EXPECT_TRUE(clock.waits.empty());
}

TEST(ReplaySender, ABatchOfBytesIsSentBeforeItsRecordCountIsReached) {
    testing::FakeSink sink;
    JumpingClock clock;
    std::ostringstream progress;
    ReplaySenderOptions small = options(100);
    small.batch_bytes = 150;
    ReplaySender sender(sink, small, progress, clock);
    for (Record& record : testing::sample_records(1, 3, 100)) {
        sender.add(std::move(record));
    }
    EXPECT_THAT(sink.batch_sizes(), ElementsAre(2u));
}

TEST(ReplaySender, ASinkThatFailsForAWhileGetsTheBatchAgainAfterTheBackoff) {
    testing::FakeSink sink;
    JumpingClock clock;
    std::ostringstream progress;
    sink.fail_with(kRefused);
    clock.on_wait = [&] {
        if (clock.waits.size() == 3) {
            sink.fail_with({});
        }
    };
    ReplaySender sender(sink, options(2), progress, clock);
    auto records = testing::sample_records(1, 2);
    sender.add(std::move(records[0]));
    EXPECT_TRUE(sender.add(std::move(records[1])));
    EXPECT_THAT(clock.waits, ElementsAre(100ms, 200ms, 400ms));
    EXPECT_THAT(numbers(sink.lines()), ElementsAre(1, 2));
    EXPECT_EQ(sender.counts().sent, 2u);
    EXPECT_FALSE(sender.gave_up());
    EXPECT_THAT(progress.str(), HasSubstr("fake failed: Connection refused; trying again for up "
                                          "to 3 s\n"));
    EXPECT_THAT(progress.str(), HasSubstr("fake takes records again\n"));
}

TEST(ReplaySender, GivesUpPastRetryForAndCountsEveryRecordNotSentAsFailed) {
    testing::FakeSink sink;
    JumpingClock clock;
    std::ostringstream progress;
    ReplaySender sender(sink, options(2), progress, clock);
    auto records = testing::sample_records(1, 6);
    sender.add(std::move(records[0]));
    sender.add(std::move(records[1]));
    sink.fail_with(kRefused);
    sender.add(std::move(records[2]));
    EXPECT_FALSE(sender.add(std::move(records[3])));
    // 100 + 200 + 400 + 800 + 1000 ms waited; one more 1 s wait would pass 3 s.
    EXPECT_THAT(clock.waits, ElementsAre(100ms, 200ms, 400ms, 800ms, 1000ms));
    EXPECT_TRUE(sender.gave_up());
    EXPECT_EQ(sender.failure(), "fake: Connection refused");
    sink.fail_with({});  // too late: it does not try again
    EXPECT_FALSE(sender.add(std::move(records[4])));
    EXPECT_FALSE(sender.add(std::move(records[5])));
    EXPECT_FALSE(sender.finish());
    EXPECT_EQ(sender.counts().sent, 2u);
    EXPECT_EQ(sender.counts().failed, 4u);
    EXPECT_THAT(numbers(sink.lines()), ElementsAre(1, 2));
}

TEST(ReplaySender, RecordsTheSinkHoldsAreCountedAsDuplicatesAndNotSent) {
    testing::FakeSink sink;
    JumpingClock clock;
    std::ostringstream progress;
    int lookups = 0;
    auto const odd_are_stored = [&](std::span<Record const> batch, std::vector<bool>& stored) {
        ++lookups;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            stored[i] = testing::sample_number(batch[i]) % 2 == 1;
        }
        return boost::system::error_code{};
    };
    ReplaySender sender(sink, options(3), progress, clock, odd_are_stored);
    for (Record& record : testing::sample_records(1, 7)) {
        sender.add(std::move(record));
    }
    sender.finish();
    EXPECT_EQ(lookups, 3);
    EXPECT_THAT(numbers(sink.lines()), ElementsAre(2, 4, 6));
    EXPECT_EQ(sender.counts().sent, 3u);
    EXPECT_EQ(sender.counts().duplicates, 4u);
}

TEST(ReplaySender, ABatchTheSinkHoldsWhollyIsNotWritten) {
    testing::FakeSink sink;
    JumpingClock clock;
    std::ostringstream progress;
    ReplaySender sender(sink, options(2), progress, clock,
                        [](std::span<Record const>, std::vector<bool>& stored) {
                            stored.assign(stored.size(), true);
                            return boost::system::error_code{};
                        });
    for (Record& record : testing::sample_records(1, 2)) {
        sender.add(std::move(record));
    }
    EXPECT_EQ(sink.write_calls(), 0);
    EXPECT_EQ(sender.counts().duplicates, 2u);
}

TEST(ReplaySender, ALookupThatFailsIsRetriedAsAWriteIs) {
    testing::FakeSink sink;
    JumpingClock clock;
    std::ostringstream progress;
    bool reachable = false;
    clock.on_wait = [&] { reachable = true; };
    ReplaySender sender(sink, options(1), progress, clock,
                        [&](std::span<Record const>, std::vector<bool>&) {
                            return reachable ? boost::system::error_code{} : kTimedOut;
                        });
    EXPECT_TRUE(sender.add(testing::sample_record(1)));
    EXPECT_THAT(clock.waits, ElementsAre(100ms));
    EXPECT_EQ(sender.counts().sent, 1u);
}

// Refuses for good the records whose number is in `poison`, storing the rest of each batch.
class RefusingSink final : public Sink {
  public:
    explicit RefusingSink(std::vector<int> poison) : poison_(std::move(poison)) {}
    std::string const& name() const override { return name_; }
    boost::system::error_code write(std::span<Record const> batch) override {
        refused_.clear();
        for (std::size_t i = 0; i < batch.size(); ++i) {
            int const n = testing::sample_number(batch[i]);
            if (std::find(poison_.begin(), poison_.end(), n) != poison_.end()) {
                refused_.push_back(RefusedRecord{i, "value too long: " + std::to_string(n)});
            } else {
                stored.push_back(n);
            }
        }
        ++writes;
        return refused_.empty() ? boost::system::error_code{} : kRefused;
    }
    std::span<RefusedRecord const> refused() const override { return refused_; }
    boost::system::error_code sync() override { return {}; }
    boost::system::error_code reopen() override { return {}; }
    void close() override {}

    std::vector<int> stored;
    int writes = 0;

  private:
    std::string name_ = "refusing";
    std::vector<int> poison_;
    std::vector<RefusedRecord> refused_;
};

TEST(ReplaySender, ARecordRefusedForGoodIsCountedAsFailedAtOnceAndTheRestGoesOn) {
    RefusingSink sink({2, 5});
    JumpingClock clock;
    std::ostringstream progress;
    ReplaySender sender(sink, options(3), progress, clock);
    for (Record& record : testing::sample_records(1, 6)) {
        EXPECT_TRUE(sender.add(std::move(record)));
    }
    EXPECT_TRUE(sender.finish());
    EXPECT_THAT(sink.stored, ElementsAre(1, 3, 4, 6));
    EXPECT_EQ(sink.writes, 2);
    EXPECT_TRUE(clock.waits.empty());  // not retried
    EXPECT_EQ(sender.counts().sent, 4u);
    EXPECT_EQ(sender.counts().failed, 2u);
    EXPECT_EQ(sender.counts().refused, 2u);
    EXPECT_EQ(sender.first_refusal(), "value too long: 2");
    EXPECT_FALSE(sender.gave_up());
}

TEST(ReplaySender, SaysHowFarItGotEveryFewSeconds) {
    testing::FakeSink sink;
    JumpingClock clock;
    std::ostringstream progress;
    ReplaySender sender(sink, options(1), progress, clock);
    sender.add(testing::sample_record(1));
    EXPECT_THAT(progress.str(), Not(HasSubstr("sent")));
    clock.advance(5s);
    sender.add(testing::sample_record(2));
    EXPECT_EQ(progress.str(), "callsink replay: 2 sent, 0 already stored, 0 failed so far\n");
    sender.add(testing::sample_record(3));
    EXPECT_EQ(progress.str(), "callsink replay: 2 sent, 0 already stored, 0 failed so far\n");
}

}  // namespace
}  // namespace callsink
