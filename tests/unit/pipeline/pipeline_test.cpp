#include "callsink/pipeline/pipeline.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <fstream>
#include <future>
#include <stdexcept>
#include <thread>
#include <utility>

#include "callsink/pipeline/errors.hpp"
#include "eventually.hpp"
#include "fake_sink.hpp"
#include "manual_clock.hpp"
#include "temp_dir.hpp"

namespace callsink {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::FakeSink;
using testing::ManualClock;

// Not "e" + std::to_string(i), nor line + "\n": GCC 12 at -O3 warns falsely about those
// (-Wrestrict, PR 105329).
std::string numbered(int i) {
    std::string line = "e";
    line += std::to_string(i);
    return line;
}
Record event_record(std::string line) {
    line += '\n';
    return Record{RecordKind::event, std::move(line), {}, {}, {}};
}
// Events e0 .. e{count - 1}, as the requests an io thread read in one round.
std::vector<Record> numbered_events(int count) {
    std::vector<Record> records;
    for (int i = 0; i < count; ++i) {
        records.push_back(event_record(numbered(i)));
    }
    return records;
}
Record keyed_event(std::string line, std::string key) {
    Record record = event_record(std::move(line));
    record.summary.event_type = "CALL_STATUS";
    record.summary.type_index = 0;
    record.redelivery_key = make_redelivery_key(key);
    return record;
}
Record rejection_record(std::string line) {
    line += '\n';
    return Record{RecordKind::rejection, std::move(line), {}, {}, {}};
}

// Owns a pipeline over fake sinks; non-owning pointers stay valid while the pipeline lives. Its
// clock moves only when a test advances it: no recovery or check comes unasked. The numbers in
// the comments are the invariants of pipeline.hpp that a test shows.
class PipelineTest : public ::testing::Test {
  protected:
    void make(Durability durability, std::size_t capacity = 1000, bool second_required = true,
              std::optional<Pipeline::CompletionExecutor> completions = std::nullopt,
              std::vector<Pipeline::CompletionExecutor> io_threads = {}) {
        auto events = std::make_unique<FakeSink>("events");
        auto second = std::make_unique<FakeSink>("second");
        auto rejects = std::make_unique<FakeSink>("rejects");
        events_ = events.get();
        second_ = second.get();
        rejects_ = rejects.get();
        for (FakeSink* sink : {events_, second_, rejects_}) {
            sink->set_writes_without_waiting(without_waiting_);
        }
        second_->set_writes_without_waiting(without_waiting_ && !second_may_wait_);
        std::vector<SinkSlot> slots;
        slots.push_back({std::move(events), true});
        slots.push_back({std::move(second), second_required});
        auto logger = std::make_shared<spdlog::logger>("test", log_);
        pipeline_ = std::make_unique<Pipeline>(
            PipelineOptions{durability, capacity, dedupe_window_}, std::move(slots),
            SinkSlot{std::move(rejects), true}, logger, metrics_, clock_, routes_);
        pipeline_->start(completions, std::move(io_threads));
    }

    // The daemon's setup: io_ answers, and its thread (this test's, in io_.run_one()) may write.
    void make_with_io_thread(Durability durability) {
        make(durability, 1000, true, io_.get_executor(), {io_.get_executor()});
    }

    // Submits from a handler on `io` (io_ unless told), as a session does, and runs that handler.
    std::future<boost::system::error_code> submit_on_io_thread(
        Record record, boost::asio::io_context* io = nullptr) {
        io = io ? io : &io_;
        std::future<boost::system::error_code> done;
        boost::asio::post(*io, [&] { done = submit(std::move(record)); });
        EXPECT_EQ(io->run_one(), 1u);
        return done;
    }

    // Submits `records` from one handler on io_, as an io thread does with the requests it read
    // in one round, and runs that handler: whatever the pipeline posted meanwhile waits behind it.
    std::vector<std::future<boost::system::error_code>> read_in_one_round(
        std::vector<Record> records) {
        std::vector<std::future<boost::system::error_code>> done;
        boost::asio::post(io_, [&] {
            for (Record& record : records) {
                done.push_back(submit(std::move(record)));
            }
        });
        EXPECT_EQ(io_.run_one(), 1u);
        return done;
    }

    static void expect_all_answered_ok(std::vector<std::future<boost::system::error_code>>& done) {
        for (auto& each : done) {
            ASSERT_EQ(each.wait_for(0ms), std::future_status::ready);
            EXPECT_FALSE(each.get());
        }
    }

    // Runs io_'s handlers until `done` is ready (the writer thread posts its completions there);
    // returns how many ran.
    std::size_t run_until_ready(std::future<boost::system::error_code> const& done) {
        std::size_t handlers = 0;
        for (int i = 0; i < 5000 && done.wait_for(0ms) != std::future_status::ready; ++i) {
            handlers += io_.run_one_for(1ms);
        }
        EXPECT_EQ(done.wait_for(0ms), std::future_status::ready);
        return handlers;
    }

    // Submits a record from the io thread: the writer thread writes it. io_ runs `handlers`: the
    // writer's answer, after the flush that only woke the writer thread where there is one (9).
    void expect_only_the_writer_thread_writes_one(std::size_t handlers) {
        auto done = submit_on_io_thread(event_record("e"));
        EXPECT_EQ(run_until_ready(done), handlers);
        EXPECT_FALSE(done.get());
        EXPECT_EQ(events_->write_calls(), 1);
        EXPECT_FALSE(written_by_this_thread(*events_, 0));
    }

    bool written_by_this_thread(FakeSink const& sink, std::size_t write) const {
        auto const threads = sink.write_threads();
        return write < threads.size() && threads[write] == std::this_thread::get_id();
    }

    std::future<boost::system::error_code> submit(Record record) {
        auto promise = std::make_shared<std::promise<boost::system::error_code>>();
        auto future = promise->get_future();
        pipeline_->submit(std::move(record),
                          [promise](boost::system::error_code ec) { promise->set_value(ec); });
        return future;
    }

    // The writer takes `line` and waits in write() until events_->release(): what is submitted
    // meanwhile forms the next batch.
    std::future<boost::system::error_code> hold_writer_on(std::string line) {
        events_->hold();
        auto done = submit(event_record(std::move(line)));
        EXPECT_TRUE(events_->wait_until_held());
        return done;
    }

    // What was logged: read under the log sink's lock, as the writer thread may be logging.
    std::string log_text() const {
        std::string text;
        for (std::string const& line : log_->last_formatted()) {
            text += line;
        }
        return text;
    }

    std::size_t log_count(std::string const& text) const {
        std::string const log = log_text();
        std::size_t count = 0;
        for (auto pos = log.find(text); pos != std::string::npos; pos = log.find(text, pos + 1)) {
            ++count;
        }
        return count;
    }

    std::size_t dedupe_window_ = 0;
    bool without_waiting_ = false;  // what every fake sink says of writes_without_waiting()
    bool second_may_wait_ = false;  // except second_, when this is set
    static constexpr std::array<std::string_view, 1> kTypes{"CALL_STATUS"};
    ManualClock clock_;  // outlives the pipeline, which waits on it
    Metrics metrics_{kTypes};
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> log_ =
        std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
    FakeSink* events_ = nullptr;
    FakeSink* second_ = nullptr;
    FakeSink* rejects_ = nullptr;
    boost::asio::io_context io_;  // outlives the pipeline that posts to it
    testing::TempDir dir_;
    std::optional<DeadLetterFile> dead_letters_;  // outlives the pipeline that writes to it
    std::vector<DeadLetterRoute> routes_;         // the event sinks', for make()
    std::unique_ptr<Pipeline> pipeline_;
};

TEST_F(PipelineTest, WritesEventsToEveryEventSinkAndRejectionsToTheRejectsSink) {
    make(Durability::write);
    EXPECT_FALSE(submit(event_record("e1")).get());
    EXPECT_FALSE(submit(rejection_record("r1")).get());
    EXPECT_EQ(events_->lines(), std::vector<std::string>{"e1\n"});
    EXPECT_EQ(second_->lines(), std::vector<std::string>{"e1\n"});
    EXPECT_EQ(rejects_->lines(), std::vector<std::string>{"r1\n"});
}

TEST_F(PipelineTest, CompletesOnlyAfterTheRecordWasWritten) {
    make(Durability::write);
    auto done = hold_writer_on("e1");  // in write(), which has not returned
    EXPECT_EQ(done.wait_for(0ms), std::future_status::timeout);
    EXPECT_TRUE(events_->lines().empty());
    events_->release();
    EXPECT_FALSE(done.get());
    EXPECT_EQ(events_->lines().size(), 1u);
}

TEST_F(PipelineTest, DurabilityNoneCompletesOnceQueued) {
    make(Durability::none);
    events_->hold();
    auto done = submit(event_record("e1"));
    ASSERT_EQ(done.wait_for(0ms), std::future_status::ready);
    EXPECT_FALSE(done.get());
    events_->release();
    pipeline_->stop();
    EXPECT_EQ(events_->lines().size(), 1u);
}

TEST_F(PipelineTest, FsyncDurabilitySyncsOncePerBatchNotOncePerRecord) {
    make(Durability::fsync);
    std::vector<std::future<boost::system::error_code>> done;
    done.push_back(hold_writer_on("first"));
    for (int i = 0; i < 20; ++i) {
        done.push_back(submit(event_record(numbered(i))));
    }
    events_->release();
    for (auto& d : done) {
        EXPECT_FALSE(d.get());
    }
    EXPECT_EQ(events_->batch_sizes(), (std::vector<std::size_t>{1, 20}));
    EXPECT_EQ(events_->sync_calls(), 2);
    EXPECT_EQ(metrics_.value(Counter::sink_syncs, 0), 2u);  // the events sink: the first added
}

TEST_F(PipelineTest, GivenAnExecutorABatchCompletesInOneHandlerPostedThere) {
    auto work = boost::asio::make_work_guard(io_);
    make(Durability::write, 1000, true, io_.get_executor());
    events_->hold();
    std::promise<std::thread::id> first_answered_on;
    pipeline_->submit(event_record("first"), [&](boost::system::error_code ec) {
        EXPECT_FALSE(ec);
        first_answered_on.set_value(std::this_thread::get_id());
    });
    ASSERT_TRUE(events_->wait_until_held());
    std::vector<std::future<boost::system::error_code>> batch;
    for (int i = 0; i < 3; ++i) {
        batch.push_back(submit(event_record(numbered(i))));
    }
    events_->release();
    EXPECT_EQ(io_.run_one(), 1u);  // this thread runs io_: not the writer thread (6)
    EXPECT_EQ(first_answered_on.get_future().get(), std::this_thread::get_id());
    EXPECT_EQ(io_.run_one(), 1u);
    for (auto& done : batch) {
        ASSERT_EQ(done.wait_for(0ms), std::future_status::ready);
        EXPECT_FALSE(done.get());
    }
    EXPECT_EQ(events_->batch_sizes(), (std::vector<std::size_t>{1, 3}));
}

TEST_F(PipelineTest, AReplyThatThrowsDoesNotKeepTheRestOfItsBatchFromBeingAnswered) {
    auto work = boost::asio::make_work_guard(io_);
    make(Durability::write, 1000, true, io_.get_executor());
    auto first = hold_writer_on("first");
    pipeline_->submit(event_record("throws"), [](boost::system::error_code) {
        throw std::runtime_error("no memory for the reply");
    });
    auto after = submit(event_record("after"));
    events_->release();
    EXPECT_EQ(io_.run_one(), 1u);
    EXPECT_FALSE(first.get());
    EXPECT_EQ(io_.run_one(), 1u);  // the batch's one handler: does not throw out of run_one
    ASSERT_EQ(after.wait_for(0ms), std::future_status::ready);
    EXPECT_FALSE(after.get());
    EXPECT_EQ(log_count("reply not sent, connection closed: no memory for the reply"), 1u);
}

TEST_F(PipelineTest, GivenAnExecutorWhatIsAnsweredAtOnceStillIs) {
    make(Durability::write, /*capacity=*/1, true, io_.get_executor());
    auto first = hold_writer_on("first");
    auto second = submit(event_record("second"));
    auto refused = submit(event_record("refused"));
    ASSERT_EQ(refused.wait_for(0ms), std::future_status::ready);
    EXPECT_EQ(refused.get(), make_error_code(Errc::queue_full));
    events_->release();
    pipeline_->stop();
    EXPECT_EQ(submit(event_record("late")).get(), make_error_code(Errc::stopped));
    EXPECT_EQ(metrics_.refused(Refusal::shutdown), 1u);
    io_.run();
    EXPECT_FALSE(first.get());
    EXPECT_FALSE(second.get());
}

TEST_F(PipelineTest, AnIoThreadWritesWhatItReadWhileIdleAsOneBatchItselfAndAnswersAtOnce) {
    without_waiting_ = true;
    auto work = boost::asio::make_work_guard(io_);
    make_with_io_thread(Durability::write);
    std::vector<Record> records = numbered_events(3);
    records.push_back(rejection_record("r"));
    auto done = read_in_one_round(std::move(records));
    EXPECT_EQ(events_->write_calls(), 0);  // posted: what is read meanwhile joins the batch
    EXPECT_EQ(io_.run_one(), 1u);          // the flush: writes, and answers, in one handler
    expect_all_answered_ok(done);
    EXPECT_EQ(events_->batch_sizes(), (std::vector<std::size_t>{3}));
    EXPECT_EQ(rejects_->lines(), std::vector<std::string>{"r\n"});
    EXPECT_EQ(events_->write_calls(), 1);
    EXPECT_TRUE(written_by_this_thread(*events_, 0));
}

TEST_F(PipelineTest, FsyncDurabilityLeavesTheWriteToTheWriterThread) {
    without_waiting_ = true;
    auto work = boost::asio::make_work_guard(io_);
    make_with_io_thread(Durability::fsync);
    expect_only_the_writer_thread_writes_one(1);  // woken at once: no flush is posted
}

TEST_F(PipelineTest, WithASinkThatMayWaitTheWriterThreadWrites) {
    without_waiting_ = true;
    second_may_wait_ = true;  // as a database or a broker
    auto work = boost::asio::make_work_guard(io_);
    make_with_io_thread(Durability::write);
    expect_only_the_writer_thread_writes_one(2);
}

TEST_F(PipelineTest, WhereTheWriterThreadWritesItIsWokenOnceForAllThatAnIoThreadRead) {  // 9
    without_waiting_ = true;
    second_may_wait_ = true;
    auto work = boost::asio::make_work_guard(io_);
    make_with_io_thread(Durability::write);
    auto done = read_in_one_round(numbered_events(3));  // the flush they posted waits behind
    EXPECT_EQ(run_until_ready(done.back()), 2u);        // the flush, and the writer's one answer
    expect_all_answered_ok(done);
    EXPECT_EQ(events_->batch_sizes(), (std::vector<std::size_t>{3}));
    EXPECT_FALSE(written_by_this_thread(*events_, 0));
}

TEST_F(PipelineTest, ASinkThatComesToWaitTakesTheWritesToTheWriterUntilItNoLongerWould) {  // 7
    without_waiting_ = true;
    auto work = boost::asio::make_work_guard(io_);
    make_with_io_thread(Durability::write);
    second_->set_writes_without_waiting(false);  // a file due to rotate
    auto first = submit_on_io_thread(event_record("first"));
    EXPECT_EQ(run_until_ready(first), 2u);  // the flush, which leaves it, and the writer's answer
    EXPECT_FALSE(written_by_this_thread(*events_, 0));
    second_->set_writes_without_waiting(true);  // rotated
    auto second = submit_on_io_thread(event_record("second"));
    EXPECT_EQ(run_until_ready(second), 2u);  // asked after the last batch: still the writer's
    EXPECT_FALSE(written_by_this_thread(*events_, 1));
    auto third = submit_on_io_thread(event_record("third"));
    EXPECT_EQ(run_until_ready(third), 1u);  // the flush, which writes and answers
    EXPECT_TRUE(written_by_this_thread(*events_, 2));
    EXPECT_EQ(events_->lines(), (std::vector<std::string>{"first\n", "second\n", "third\n"}));
}

TEST_F(PipelineTest, EachIoThreadPostsItsOwnFlushAndTheFirstToRunWritesForBoth) {
    without_waiting_ = true;
    boost::asio::io_context other;
    make(Durability::write, 1000, true, io_.get_executor(),
         {io_.get_executor(), other.get_executor()});
    auto a = submit_on_io_thread(event_record("a"));          // its flush waits in io_
    auto b = submit_on_io_thread(event_record("b"), &other);  // not behind io_'s: one of its own
    EXPECT_EQ(other.run_one(), 1u);
    for (auto* done : {&a, &b}) {
        ASSERT_EQ(done->wait_for(0ms), std::future_status::ready);
        EXPECT_FALSE(done->get());
    }
    EXPECT_EQ(events_->batch_sizes(), (std::vector<std::size_t>{2}));
    EXPECT_EQ(io_.run_one(), 1u);  // io_'s flush finds nothing left
    EXPECT_EQ(events_->write_calls(), 1);
}

TEST_F(PipelineTest, WhileTheWriterThreadWritesAnIoThreadQueuesBehindIt) {  // 1, 4
    without_waiting_ = true;
    auto work = boost::asio::make_work_guard(io_);
    make_with_io_thread(Durability::write);
    auto first = hold_writer_on("first");  // from this thread, not an io thread: the writer's
    auto second = submit_on_io_thread(event_record("second"));
    events_->release();
    run_until_ready(first);
    run_until_ready(second);
    EXPECT_FALSE(first.get());
    EXPECT_FALSE(second.get());
    EXPECT_EQ(events_->lines(), (std::vector<std::string>{"first\n", "second\n"}));
    auto const threads = events_->write_threads();
    ASSERT_EQ(threads.size(), 2u);
    EXPECT_EQ(threads[0], threads[1]);
    EXPECT_NE(threads[1], std::this_thread::get_id());
}

TEST_F(PipelineTest, AFlushStillPostedAtStopIsLeftToTheWriterThread) {  // 2, 8
    without_waiting_ = true;
    make_with_io_thread(Durability::write);
    auto done = submit_on_io_thread(event_record("e"));  // its flush waits in io_, not run
    pipeline_->stop();                                   // returns: the writer took the record
    EXPECT_EQ(events_->lines(), std::vector<std::string>{"e\n"});
    EXPECT_EQ(io_.run(), 2u);  // the late flush, which finds nothing to do, and the answer
    ASSERT_EQ(done.wait_for(0ms), std::future_status::ready);
    EXPECT_FALSE(done.get());
    EXPECT_EQ(events_->write_calls(), 1);
}

TEST_F(PipelineTest, WriteDurabilityDoesNotSync) {
    make(Durability::write);
    EXPECT_FALSE(submit(event_record("e1")).get());
    EXPECT_EQ(events_->sync_calls(), 0);
}

TEST_F(PipelineTest, FullQueueAnswersAtOnceWithQueueFull) {
    make(Durability::write, /*capacity=*/2);
    auto first = hold_writer_on("first");
    auto second = submit(event_record("second"));
    auto third = submit(event_record("third"));
    auto refused = submit(event_record("refused"));
    ASSERT_EQ(refused.wait_for(0ms), std::future_status::ready);
    EXPECT_EQ(refused.get(), make_error_code(Errc::queue_full));
    EXPECT_EQ(metrics_.refused(Refusal::queue_full), 1u);
    events_->release();
    EXPECT_FALSE(first.get());
    EXPECT_FALSE(second.get());
    EXPECT_FALSE(third.get());
    EXPECT_EQ(events_->lines(), (std::vector<std::string>{"first\n", "second\n", "third\n"}));
}

TEST_F(PipelineTest, FailingRequiredSinkFailsTheRecordAndRecoversByItself) {
    make(Durability::write);
    auto const enospc = boost::system::error_code(ENOSPC, boost::system::system_category());
    events_->fail_with(enospc);
    EXPECT_EQ(submit(event_record("e1")).get(), enospc);
    EXPECT_EQ(submit(event_record("e2")).get(), enospc);
    EXPECT_FALSE(pipeline_->ready());
    EXPECT_EQ(log_count("sink failed: events"), 1u) << log_text();
    EXPECT_NE(metrics_.render().find("callsink_sink_errors_total{sink=\"events\"} 2"),
              std::string::npos)
        << metrics_.render();
    EXPECT_EQ(metrics_.refused(Refusal::storage), 2u);  // both answered 503
    EXPECT_NE(metrics_.render().find("callsink_sink_up{sink=\"events\",required=\"true\"} 0"),
              std::string::npos)
        << metrics_.render();

    events_->fail_with({});
    EXPECT_FALSE(submit(event_record("e3")).get());
    EXPECT_TRUE(pipeline_->ready());
    EXPECT_NE(metrics_.render().find("callsink_sink_up{sink=\"events\",required=\"true\"} 1"),
              std::string::npos);
    EXPECT_EQ(log_count("sink recovered: events"), 1u) << log_text();
    EXPECT_EQ(events_->lines(), std::vector<std::string>{"e3\n"});
}

TEST_F(PipelineTest, FailingBestEffortSinkDoesNotFailTheRecord) {
    make(Durability::write, 1000, /*second_required=*/false);
    second_->fail_with(boost::system::error_code(EIO, boost::system::system_category()));
    EXPECT_FALSE(submit(event_record("e1")).get());
    EXPECT_FALSE(pipeline_->ready());  // /readyz reports every sink, required or not
    EXPECT_EQ(metrics_.refused(Refusal::storage), 0u);
    EXPECT_NE(metrics_.render().find("callsink_sink_up{sink=\"second\",required=\"false\"} 0"),
              std::string::npos)
        << metrics_.render();
    EXPECT_EQ(events_->lines().size(), 1u);
    EXPECT_EQ(log_count("sink failed: second"), 1u);
}

TEST_F(PipelineTest, AReopenThatSucceedsClearsTheFailure) {
    make(Durability::write);
    events_->fail_with(boost::system::error_code(EIO, boost::system::system_category()));
    EXPECT_TRUE(submit(event_record("e1")).get());
    ASSERT_FALSE(pipeline_->ready());
    events_->fail_with({});
    pipeline_->reopen();  // at once: the clock does not move
    EXPECT_TRUE(eventually([this] { return log_count("sink recovered: events") == 1; }))
        << log_text();
    EXPECT_TRUE(pipeline_->ready());
}

TEST_F(PipelineTest, AFailingSinkRecoversWithoutTrafficWhenItCanTell) {
    make(Durability::write);
    events_->fail_with(boost::system::error_code(ENOENT, boost::system::system_category()));
    EXPECT_TRUE(submit(event_record("e1")).get());
    ASSERT_FALSE(pipeline_->ready());
    events_->set_recoverable(true);  // e.g. the file's folder is back
    clock_.advance(1s);              // the writer retries once a second
    EXPECT_TRUE(eventually([this] { return log_count("sink recovered: events") == 1; }))
        << log_text();
    EXPECT_TRUE(pipeline_->ready());
}

TEST_F(PipelineTest, WhileIdleAndHealthyTheWriterChecksEverySinkEveryFiveSeconds) {
    make(Durability::write);
    EXPECT_FALSE(submit(event_record("e1")).get());
    auto const checks_are = [this](int calls) {
        for (FakeSink const* sink : {events_, second_, rejects_}) {
            EXPECT_EQ(sink->check_calls(), calls) << sink->name();
        }
    };
    // Each advance once the writer waits on the clock, and each count once it waits again: it
    // has then done all it does at that time.
    ASSERT_TRUE(clock_.wait_until_waiting());
    EXPECT_EQ(clock_.last_deadline(), WaitClock::time_point(5s));
    clock_.advance(4999ms);
    ASSERT_TRUE(clock_.wait_until_waiting());
    checks_are(0);
    clock_.advance(1ms);
    ASSERT_TRUE(clock_.wait_until_waiting());
    checks_are(1);
    EXPECT_EQ(clock_.last_deadline(), WaitClock::time_point(10s));
    EXPECT_TRUE(pipeline_->ready());

    events_->fail_checks_with(
        boost::system::error_code(ECONNREFUSED, boost::system::system_category()));
    clock_.advance(5s);
    ASSERT_TRUE(clock_.wait_until_waiting());
    // Once each, though the first failed: the outage shows before a delivery meets it.
    checks_are(2);
    EXPECT_FALSE(pipeline_->ready());
    EXPECT_EQ(log_count("sink failed: events"), 1u) << log_text();
}

TEST_F(PipelineTest, AFlushThatFindsTheRoleTakenAsksTheSinksNothing) {  // 3
    without_waiting_ = true;
    auto work = boost::asio::make_work_guard(io_);
    make_with_io_thread(Durability::write);
    events_->hold();
    auto first = submit_on_io_thread(event_record("first"));  // its flush waits in io_
    pipeline_->reopen();  // the writer thread takes the role, and the record, before the flush
    ASSERT_TRUE(events_->wait_until_held());
    // From this thread, not an io thread: it posts no flush, and the writer thread, which holds
    // the role, is not woken for it (5). So the flush meets a record in the queue, and only the
    // role tells it to leave it.
    auto second = submit(event_record("second"));
    // The flush, while the writer thread is in write(), on a thread of its own: one that did not
    // look at the role first would ask the sinks and then write, held there like the writer, and
    // the test fails instead of hanging.
    auto flush = std::async(std::launch::async, [this] {
        std::size_t const handlers = io_.run_one();
        return std::pair(handlers, std::this_thread::get_id());
    });
    bool const flushed_in_time = flush.wait_for(5s) == std::future_status::ready;
    EXPECT_EQ(events_->asked_while_writing(), 0);
    events_->release();
    EXPECT_TRUE(flushed_in_time) << "the flush wrote while the writer thread held the role";
    auto const [handlers, flush_thread] = flush.get();
    EXPECT_EQ(handlers, 1u);
    run_until_ready(first);
    run_until_ready(second);
    EXPECT_FALSE(first.get());
    EXPECT_FALSE(second.get());
    EXPECT_EQ(events_->lines(), (std::vector<std::string>{"first\n", "second\n"}));
    auto const threads = events_->write_threads();
    ASSERT_EQ(threads.size(), 2u);
    EXPECT_EQ(threads[0], threads[1]);  // the writer thread's, both
    EXPECT_NE(threads[1], flush_thread);
    EXPECT_NE(threads[1], std::this_thread::get_id());
}

TEST_F(PipelineTest, FailingRejectsSinkDoesNotFailEvents) {
    make(Durability::write);
    rejects_->fail_with(boost::system::error_code(EIO, boost::system::system_category()));
    EXPECT_FALSE(submit(event_record("e1")).get());
    EXPECT_TRUE(submit(rejection_record("r1")).get());
}

TEST_F(PipelineTest, StopWritesWhatIsQueuedThenClosesTheSinks) {  // 8
    make(Durability::write, /*capacity=*/4);
    std::vector<std::future<boost::system::error_code>> done;
    done.push_back(hold_writer_on(numbered(0)));  // the writer thread is in write()
    for (int i = 1; i < 5; ++i) {
        done.push_back(submit(event_record(numbered(i))));  // the queue is then full
    }
    std::atomic<bool> released{false};
    auto stopped = std::async(std::launch::async, [this, &released] {
        pipeline_->stop();
        return released.load();  // true: stop() returned only after the held write did
    });
    // stop() has begun once a record is refused as "stopped": until then, as "queue full". Both
    // are answered at once.
    EXPECT_TRUE(eventually(
        [this] { return submit(event_record("late")).get() == make_error_code(Errc::stopped); }));
    EXPECT_FALSE(events_->closed());
    released = true;
    events_->release();
    ASSERT_EQ(stopped.wait_for(5s), std::future_status::ready);
    EXPECT_TRUE(stopped.get());
    for (auto& each : done) {
        ASSERT_EQ(each.wait_for(0ms),
                  std::future_status::ready);  // answered before stop() returned
        EXPECT_FALSE(each.get());
    }
    EXPECT_EQ(events_->lines().size(), 5u);
    EXPECT_TRUE(events_->closed());
    EXPECT_TRUE(rejects_->closed());
}

TEST_F(PipelineTest, SubmitAfterStopAnswersStopped) {
    make(Durability::write);
    pipeline_->stop();
    EXPECT_EQ(submit(event_record("late")).get(), make_error_code(Errc::stopped));
}

TEST_F(PipelineTest, ReopenReachesEverySink) {
    make(Durability::write);
    pipeline_->reopen();
    EXPECT_FALSE(submit(event_record("e1")).get());  // processed after the reopen
    EXPECT_EQ(events_->reopen_calls(), 1);
    EXPECT_EQ(second_->reopen_calls(), 1);
    EXPECT_EQ(rejects_->reopen_calls(), 1);
}

TEST_F(PipelineTest, ARecordASinkRefusesForGoodGoesToTheDeadLetterFileAndItsBatchIsAnswered) {
    auto const path = dir_ / "dead-letter.jsonl";
    dead_letters_.emplace(DeadLetterOptions{path, false},
                          std::make_shared<spdlog::logger>("dead letters", log_), metrics_);
    routes_ = {dead_letters_->route("events", 0), dead_letters_->route("second", 1)};
    make(Durability::fsync);
    events_->refuse_for_good("poison", "refused for good");
    auto first = hold_writer_on(R"({"n":0})");
    // The next batch: a poison record between two others.
    auto before = submit(event_record(R"({"n":1})"));
    auto poison = submit(event_record(R"({"n":"poison"})"));
    auto after = submit(event_record(R"({"n":2})"));
    events_->release();
    for (auto* done : {&first, &before, &poison, &after}) {
        EXPECT_FALSE(done->get());
    }
    EXPECT_EQ(events_->lines(),
              (std::vector<std::string>{"{\"n\":0}\n", "{\"n\":1}\n", "{\"n\":2}\n"}));
    EXPECT_EQ(second_->lines().size(), 4u) << "a sink that takes it stores it";
    std::ifstream file(path);
    std::string line;
    ASSERT_TRUE(std::getline(file, line));
    auto const read = parse_dead_letter_line(line);
    ASSERT_TRUE(read) << line;
    EXPECT_EQ(read->record_line, "{\"n\":\"poison\"}\n");
    EXPECT_EQ(read->letter.sink, "events");
    EXPECT_EQ(read->letter.error, "refused for good");
    EXPECT_FALSE(std::getline(file, line)) << "one line";
    EXPECT_EQ(metrics_.value(Counter::sink_dead_letters, 0), 1u);
    EXPECT_EQ(metrics_.value(Counter::sink_written, 0), 3u) << "the sink took three";
    EXPECT_EQ(metrics_.value(Counter::sink_errors, 0), 0u);
    EXPECT_EQ(events_->sync_calls(), 2) << "synced after each batch, the poison one's too";
    EXPECT_TRUE(pipeline_->ready());
    EXPECT_EQ(log_count("sink failed"), 0u) << log_text();
}

TEST_F(PipelineTest, ARefusalForGoodWithoutADeadLetterFileToTakeItIsAFailure) {
    make(Durability::write);  // no routes
    events_->refuse_for_good("poison", "refused for good");
    EXPECT_TRUE(submit(event_record(R"({"n":"poison"})")).get());
    EXPECT_EQ(metrics_.value(Counter::sink_errors, 0), 1u);
}

TEST_F(PipelineTest, ARedeliveryIsAnsweredButNotStoredAgain) {
    dedupe_window_ = 10;
    make(Durability::write);
    EXPECT_FALSE(submit(keyed_event("first", "CALL_STATUS e-1")).get());
    EXPECT_FALSE(submit(keyed_event("again", "CALL_STATUS e-1")).get());
    EXPECT_FALSE(submit(keyed_event("other", "CALL_STATUS e-2")).get());
    EXPECT_EQ(events_->lines(), (std::vector<std::string>{"first\n", "other\n"}));
    EXPECT_EQ(metrics_.value(Counter::duplicates, 0), 1u);
    EXPECT_EQ(metrics_.value(Counter::events, 0), 2u);
}

TEST_F(PipelineTest, CopiesArrivingTogetherAreStoredOnce) {
    dedupe_window_ = 10;
    make(Durability::write);
    auto blocker = hold_writer_on("blocker");
    auto a = submit(keyed_event("copy-a", "SESSION_SUMMARY s-1"));
    auto b = submit(keyed_event("copy-b", "SESSION_SUMMARY s-1"));
    events_->release();
    EXPECT_FALSE(blocker.get());
    EXPECT_FALSE(a.get());
    EXPECT_FALSE(b.get());
    EXPECT_EQ(events_->lines(), (std::vector<std::string>{"blocker\n", "copy-a\n"}));
}

TEST_F(PipelineTest, AKeyIsRememberedOnlyOnceItsRecordWasStored) {
    dedupe_window_ = 10;
    make(Durability::write);
    auto const eio = boost::system::error_code(EIO, boost::system::system_category());
    events_->fail_with(eio);
    EXPECT_EQ(submit(keyed_event("try-1", "CALL_STATUS e-1")).get(), eio);
    events_->fail_with({});
    EXPECT_FALSE(submit(keyed_event("try-2", "CALL_STATUS e-1")).get());
    EXPECT_FALSE(submit(keyed_event("try-3", "CALL_STATUS e-1")).get());
    EXPECT_EQ(events_->lines(), std::vector<std::string>{"try-2\n"});
}

TEST_F(PipelineTest, ACopyInTheSameBatchSharesTheFailureOfTheFirst) {
    dedupe_window_ = 10;
    make(Durability::write);
    auto const eio = boost::system::error_code(EIO, boost::system::system_category());
    auto blocker = hold_writer_on("blocker");
    events_->fail_with(eio);
    auto a = submit(keyed_event("copy-a", "CALL_STATUS e-1"));
    auto b = submit(keyed_event("copy-b", "CALL_STATUS e-1"));
    events_->release();
    EXPECT_EQ(a.get(), eio);
    EXPECT_EQ(b.get(), eio);
    EXPECT_EQ(events_->write_calls(), 2);  // the blocker, then one write for both copies
}

TEST_F(PipelineTest, WithTheWindowOffEveryCopyIsStored) {
    make(Durability::write);
    EXPECT_FALSE(submit(keyed_event("first", "CALL_STATUS e-1")).get());
    EXPECT_FALSE(submit(keyed_event("again", "CALL_STATUS e-1")).get());
    EXPECT_EQ(events_->lines().size(), 2u);
}

}  // namespace
}  // namespace callsink
