// The forwarder: the journal's records to its sink in order and in batches, a failing sink sent
// the same batch again after a backoff on a clock the test moves, one log line for the outage and
// one for the recovery, the checkpoint a restart resumes from, and the drain at shutdown.
#include "callsink/journal/forwarder.hpp"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <fstream>
#include <sstream>

#include "callsink/journal/checkpoint.hpp"
#include "captured_log.hpp"
#include "eventually.hpp"
#include "fake_sink.hpp"
#include "manual_clock.hpp"
#include "sample_records.hpp"
#include "temp_dir.hpp"

namespace callsink {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::eventually;
using testing::FakeSink;
using testing::ManualClock;
using testing::sample_records;

std::vector<std::string> lines_of(int first, int count) {
    std::vector<std::string> lines;
    for (Record const& record : sample_records(first, count)) {
        lines.push_back(record.line);
    }
    return lines;
}

class ForwarderTest : public ::testing::Test {
  protected:
    ForwarderTest() {
        JournalOptions options;
        options.path = dir_.path();
        options.segment_bytes = 1;  // a segment per append, to see them deleted
        journal_ = std::make_shared<Journal>(options, logger_, metrics_);
    }

    // A forwarder to a FakeSink, whose pointer stays valid while the forwarder lives.
    std::unique_ptr<Forwarder> forwarder(FakeSink*& sink, ForwarderOptions options = {}) {
        auto owned = std::make_unique<FakeSink>("fake sink");
        sink = owned.get();
        return std::make_unique<Forwarder>(journal_, std::move(owned), options, logger_, metrics_,
                                           clock_);
    }

    // A forwarder to a sink that refuses every write, started.
    std::unique_ptr<Forwarder> failing_forwarder(FakeSink*& sink, ForwarderOptions options = {}) {
        auto forwarding = forwarder(sink, options);
        sink->fail_with(boost::asio::error::connection_refused);
        forwarding->start();
        return forwarding;
    }

    // A forwarder, started, to a sink that refuses record `n` for good, with a dead-letter file
    // at `path` (synced) for sinks[4].
    std::unique_ptr<Forwarder> refusing_forwarder(FakeSink*& sink, fs::path const& path, int n) {
        dead_letters_.emplace(DeadLetterOptions{path, true}, logger_, metrics_, clock_);
        ForwarderOptions options;
        options.dead_letters = dead_letters_->route("fake sink", 4);
        auto forwarding = forwarder(sink, options);
        sink->refuse_for_good("\"n\":" + std::to_string(n) + "}", "too large");
        forwarding->start();
        return forwarding;
    }

    void append(int first, int count) {
        ASSERT_FALSE(journal_->append(sample_records(first, count)));
        journal_->publish();
    }

    std::size_t segments() const {
        std::size_t count = 0;
        for (auto const& entry : fs::directory_iterator(dir_.path())) {
            count += entry.path().extension() == ".journal" ? 1 : 0;
        }
        return count;
    }

    // Until the forwarder has counted `count` failed sends. Counted under its mutex with the
    // backoff that follows, so status() then shows that backoff.
    bool failed_sends(std::uint64_t count) {
        return eventually(
            [&] { return metrics_.value(Counter::journal_forward_errors, 0) >= count; });
    }

    std::optional<std::uint64_t> checkpoint() const {
        return read_checkpoint(checkpoint_file(dir_.path(), "fake sink"));
    }

    testing::TempDir dir_;
    testing::CapturedLog log_;
    std::shared_ptr<spdlog::logger> logger_ = log_.logger();
    Metrics metrics_;
    ManualClock clock_;
    std::shared_ptr<Journal> journal_;
    std::optional<DeadLetterFile> dead_letters_;  // outlives the forwarders the tests make
};

TEST_F(ForwarderTest, SendsWhatTheJournalHoldsInOrderAndInBatches) {
    append(1, 5);
    FakeSink* sink = nullptr;
    ForwarderOptions options;
    options.batch_records = 2;
    auto forwarding = forwarder(sink, options);
    forwarding->start();
    ASSERT_TRUE(eventually([&] { return forwarding->status().unforwarded_records == 0; }));
    EXPECT_EQ(sink->lines(), lines_of(1, 5));
    EXPECT_EQ(sink->batch_sizes(), (std::vector<std::size_t>{2, 2, 1}));
    EXPECT_EQ(sink->sync_calls(), 3) << "the sink's sync after each write";
    EXPECT_EQ(metrics_.value(Counter::journal_forwarded, 0), 5u);
}

TEST_F(ForwarderTest, SendsWhatIsPublishedWhileItRuns) {
    FakeSink* sink = nullptr;
    auto forwarding = forwarder(sink);
    forwarding->start();
    append(1, 2);
    ASSERT_TRUE(sink->wait_for_write_calls(1));
    append(3, 1);
    ASSERT_TRUE(sink->wait_for_write_calls(2));
    EXPECT_EQ(sink->lines(), lines_of(1, 3));
    ASSERT_TRUE(eventually([&] { return forwarding->status().unforwarded_records == 0; }));
}

TEST_F(ForwarderTest, DeletesTheSegmentsItHasSent) {
    append(1, 1);
    append(2, 1);
    append(3, 1);
    ASSERT_EQ(segments(), 3u);
    FakeSink* sink = nullptr;
    auto forwarding = forwarder(sink);
    forwarding->start();
    ASSERT_TRUE(eventually([&] { return segments() == 1; }));
    EXPECT_EQ(sink->lines(), lines_of(1, 3));
}

TEST_F(ForwarderTest, SendsTheSameBatchAgainAfterABackoffThatDoublesUntilTheSinkTakesIt) {
    append(1, 3);
    FakeSink* sink = nullptr;
    auto forwarding = failing_forwarder(sink);
    std::uint64_t failures = 0;
    for (auto const wait : {100ms, 200ms, 400ms, 800ms}) {
        ASSERT_TRUE(failed_sends(++failures));
        ForwarderStatus const status = forwarding->status();
        EXPECT_EQ(status.backoff, wait);
        EXPECT_TRUE(status.retrying);
        EXPECT_EQ(status.unforwarded_records, 3u);
        EXPECT_FALSE(status.last_error.empty());
        if (wait == 800ms) {
            sink->fail_with({});
        }
        clock_.advance(wait);
    }
    ASSERT_TRUE(sink->wait_for_write_calls(5));
    ASSERT_TRUE(eventually([&] { return !forwarding->status().retrying; }));
    EXPECT_EQ(sink->lines(), lines_of(1, 3));
    EXPECT_EQ(metrics_.value(Counter::journal_forward_errors, 0), 4u);
    EXPECT_EQ(log_.lines_with("forwarding to fake sink failed"), 1u) << log_.text();
    EXPECT_EQ(log_.lines_with("forwarding to fake sink recovered after 1.5 s: 3 records"), 1u)
        << log_.text();
}

TEST_F(ForwarderTest, MovesPastARecordTheSinkRefusesForGoodOnceItIsADeadLetter) {
    append(1, 5);
    FakeSink* sink = nullptr;
    auto forwarding = refusing_forwarder(sink, dir_ / "dead" / "dead-letter.jsonl", 3);
    ASSERT_TRUE(eventually([&] { return forwarding->status().unforwarded_records == 0; }));
    append(6, 2);  // and on it goes
    ASSERT_TRUE(eventually([&] { return forwarding->status().unforwarded_records == 0; }));
    std::vector<std::string> expected = lines_of(1, 2);
    for (std::string const& line : lines_of(4, 4)) {
        expected.push_back(line);
    }
    EXPECT_EQ(sink->lines(), expected);
    std::ifstream file(dir_ / "dead" / "dead-letter.jsonl");
    std::string line;
    ASSERT_TRUE(std::getline(file, line));
    auto const read = parse_dead_letter_line(line);
    ASSERT_TRUE(read) << line;
    EXPECT_EQ(read->record_line, lines_of(3, 1).front());
    EXPECT_EQ(read->letter.sink_index, 4u) << "sinks[4]";
    EXPECT_FALSE(std::getline(file, line)) << "one line";
    EXPECT_EQ(metrics_.value(Counter::journal_forward_errors, 0), 0u);
    EXPECT_EQ(metrics_.value(Counter::sink_dead_letters, 0), 1u);
    EXPECT_FALSE(forwarding->status().retrying);
    EXPECT_EQ(log_.lines_with("forwarding to fake sink failed"), 0u) << log_.text();
}

TEST_F(ForwarderTest, HoldsARefusedRecordWhileTheDeadLetterFileCannotBeWritten) {
    std::ofstream(dir_ / "blocked") << "a file where the folder should be";
    append(1, 3);
    FakeSink* sink = nullptr;
    auto forwarding = refusing_forwarder(sink, dir_ / "blocked" / "dead-letter.jsonl", 2);
    ASSERT_TRUE(failed_sends(1));
    EXPECT_TRUE(forwarding->status().retrying);
    EXPECT_EQ(forwarding->status().unforwarded_records, 3u);
    std::filesystem::remove(dir_ / "blocked");
    clock_.advance(100ms);
    ASSERT_TRUE(eventually([&] { return forwarding->status().unforwarded_records == 0; }));
    EXPECT_EQ(metrics_.value(Counter::sink_dead_letters, 0), 1u);
    EXPECT_EQ(log_.lines_with("forwarding to fake sink recovered"), 1u) << log_.text();
}

TEST_F(ForwarderTest, TheBackoffStopsGrowingAtItsCap) {
    append(1, 1);
    FakeSink* sink = nullptr;
    ForwarderOptions options;
    options.first_retry = 10s;
    options.max_retry = 30s;
    auto forwarding = failing_forwarder(sink, options);
    std::uint64_t failures = 0;
    for (auto const wait : {10s, 20s, 30s, 30s}) {
        ASSERT_TRUE(failed_sends(++failures));
        EXPECT_EQ(forwarding->status().backoff, wait);
        clock_.advance(wait);
    }
}

TEST_F(ForwarderTest, SavesItsCheckpointWithinASecondAndARestartResumesThere) {
    append(1, 3);
    {
        FakeSink* sink = nullptr;
        auto forwarding = forwarder(sink);
        forwarding->start();
        ASSERT_TRUE(eventually([&] { return forwarding->status().unforwarded_records == 0; }));
        EXPECT_FALSE(checkpoint()) << "not before its second";
        clock_.advance(1s);
        ASSERT_TRUE(eventually([&] { return checkpoint() == 4u; }));
        append(4, 2);
        ASSERT_TRUE(sink->wait_for_write_calls(2));
    }
    // Killed after that last batch, before its second was up: the checkpoint on disk is the one
    // saved before it (the forwarder's stop saved the newer one, which a kill would not have).
    ASSERT_FALSE(write_checkpoint(checkpoint_file(dir_.path(), "fake sink"), "fake sink", 4));
    FakeSink* sink = nullptr;
    auto forwarding = forwarder(sink);
    forwarding->start();
    ASSERT_TRUE(sink->wait_for_write_calls(1));
    EXPECT_EQ(sink->lines(), lines_of(4, 2)) << "the records after the checkpoint, sent again";
}

TEST_F(ForwarderTest, DrainsWhatIsLeftAtShutdownAndSavesWhereItGot) {
    FakeSink* sink = nullptr;
    auto forwarding = forwarder(sink);
    forwarding->start();
    sink->hold();
    append(1, 2);
    ASSERT_TRUE(sink->wait_until_held());
    append(3, 2);
    std::thread release([sink] { sink->release(); });
    forwarding->drain_and_stop(clock_.now() + 5s);
    release.join();
    EXPECT_EQ(sink->lines(), lines_of(1, 4));
    EXPECT_EQ(checkpoint(), 5u);
    EXPECT_TRUE(sink->closed());
}

TEST_F(ForwarderTest, TriesAFailingSinkOnceMoreAtShutdownButDoesNotWaitForIt) {
    append(1, 2);
    FakeSink* sink = nullptr;
    auto forwarding = failing_forwarder(sink);
    ASSERT_TRUE(failed_sends(1));
    forwarding->drain_and_stop(clock_.now() + 5s);  // returns without the clock moving
    EXPECT_EQ(sink->write_calls(), 2) << "once more at once, not after its backoff";
    EXPECT_TRUE(sink->lines().empty());
    EXPECT_TRUE(sink->closed());
    EXPECT_EQ(checkpoint(), 1u) << "where it got: nothing taken";
}

TEST_F(ForwarderTest, ASinkBackJustBeforeShutdownGetsTheRestThen) {
    append(1, 2);
    FakeSink* sink = nullptr;
    auto forwarding = failing_forwarder(sink);
    ASSERT_TRUE(failed_sends(1));
    sink->fail_with({});
    forwarding->drain_and_stop(clock_.now() + 5s);
    EXPECT_EQ(sink->lines(), lines_of(1, 2));
    EXPECT_EQ(checkpoint(), 3u);
}

TEST_F(ForwarderTest, StatusSaysWhatWaitsAndHowOld) {
    append(1, 4);
    FakeSink* sink = nullptr;
    auto forwarding = failing_forwarder(sink);
    EXPECT_EQ(forwarding->status().sink, "fake sink");
    ASSERT_TRUE(eventually([&] { return forwarding->status().retrying; }));
    ForwarderStatus const status = forwarding->status();
    EXPECT_EQ(status.unforwarded_records, 4u);
    EXPECT_EQ(status.unforwarded_bytes, journal_->end().offset);
    EXPECT_GE(status.oldest_age_seconds, 0.0);
    EXPECT_LT(status.oldest_age_seconds, 60.0);
}

}  // namespace
}  // namespace callsink
