// DeliveryTracker: a batch settles when the last of its messages reports, and not before; the
// writer waiting for it is woken by that report; its outcome is the first error reported; it
// times out at its deadline on the tracker's clock (moved by hand here), and the writer may then
// wait on for the purged messages' reports; a report of a batch given up on never counts towards
// the next one. No librdkafka handle: only its error codes.
#include "callsink/sinks/kafka/delivery_tracker.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>
#include <vector>

#include "manual_clock.hpp"

namespace callsink {
namespace {

using namespace std::chrono_literals;
using testing::ManualClock;
using Outcome = std::optional<rd_kafka_resp_err_t>;

constexpr auto kAcknowledged = RD_KAFKA_RESP_ERR_NO_ERROR;
constexpr auto kNever = 24h;      // a deadline the test never moves the clock to
constexpr auto kEventWait = 10s;  // bound on waiting for another thread's event

class DeliveryTrackerTest : public ::testing::Test {
  protected:
    // What the writer would do: wait for the current batch, on a thread of its own.
    std::future<Outcome> wait_on_another_thread(std::chrono::milliseconds for_at_most) {
        auto const deadline = tracker_.now() + for_at_most;
        return std::async(std::launch::async,
                          [this, deadline] { return tracker_.wait_until(deadline); });
    }

    // Without waiting: the outcome if the batch has settled, else nullopt.
    Outcome settled_now() { return tracker_.wait_until(tracker_.now()); }

    ManualClock clock_;
    DeliveryTracker tracker_{clock_};
};

TEST_F(DeliveryTrackerTest, ABatchSettlesWhenItsLastMessageReportsAndNotBefore) {
    auto const batch = tracker_.begin(3);
    tracker_.report(batch, kAcknowledged);
    tracker_.report(batch, kAcknowledged);
    EXPECT_EQ(settled_now(), std::nullopt);
    tracker_.report(batch, kAcknowledged);
    EXPECT_EQ(settled_now(), kAcknowledged);
}

TEST_F(DeliveryTrackerTest, TheLastReportWakesTheWaitingWriter) {
    auto const batch = tracker_.begin(2);
    // The clock never reaches the deadline: only the reports can end the wait.
    auto waiting = wait_on_another_thread(kNever);
    std::vector<DeliveryTracker::Report> const reports{{batch, kAcknowledged},
                                                       {batch, kAcknowledged}};
    tracker_.report(reports);  // as the poller hands over one delivery report event
    ASSERT_EQ(waiting.wait_for(kEventWait), std::future_status::ready);
    EXPECT_EQ(waiting.get(), kAcknowledged);
}

TEST_F(DeliveryTrackerTest, ABatchFailsWithTheFirstErrorOnceEveryMessageReported) {
    auto const batch = tracker_.begin(4);
    tracker_.report(batch, kAcknowledged);
    tracker_.report(batch, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    tracker_.report(batch, RD_KAFKA_RESP_ERR__TRANSPORT);
    EXPECT_EQ(settled_now(), std::nullopt) << "one message has yet to report";
    tracker_.report(batch, kAcknowledged);
    EXPECT_EQ(settled_now(), RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
}

TEST_F(DeliveryTrackerTest, TimesOutAtItsDeadlineOnTheClockThenWaitsOnForThePurgedReports) {
    auto const batch = tracker_.begin(2);
    tracker_.report(batch, kAcknowledged);
    auto waiting = wait_on_another_thread(5000ms);
    clock_.advance(5000ms);
    ASSERT_EQ(waiting.wait_for(kEventWait), std::future_status::ready);
    EXPECT_EQ(waiting.get(), std::nullopt);

    // As the sink does next: purge what is left, and wait (a grace) for its report.
    waiting = wait_on_another_thread(1000ms);
    tracker_.report(batch, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT);
    ASSERT_EQ(waiting.wait_for(kEventWait), std::future_status::ready);
    EXPECT_EQ(waiting.get(), RD_KAFKA_RESP_ERR__PURGE_INFLIGHT);
}

TEST_F(DeliveryTrackerTest, AReportBeforeTheDeadlineSettlesTheBatchTheClockHasNotReached) {
    auto const batch = tracker_.begin(1);
    auto waiting = wait_on_another_thread(5000ms);
    clock_.advance(4999ms);
    tracker_.report(batch, kAcknowledged);
    ASSERT_EQ(waiting.wait_for(kEventWait), std::future_status::ready);
    // Timed out a millisecond early, it would have said nullopt.
    EXPECT_EQ(waiting.get(), kAcknowledged);
}

TEST_F(DeliveryTrackerTest, AReportOfABatchGivenUpOnNeverCountsTowardsTheNext) {
    auto const given_up = tracker_.begin(2);
    EXPECT_EQ(settled_now(), std::nullopt);
    auto const next = tracker_.begin(2);
    EXPECT_NE(next, given_up);
    tracker_.report(given_up, kAcknowledged);
    tracker_.report(given_up, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT);
    tracker_.report(next, kAcknowledged);
    EXPECT_EQ(settled_now(), std::nullopt) << "the first batch's reports counted for the next";
    tracker_.report(next, kAcknowledged);
    EXPECT_EQ(settled_now(), kAcknowledged) << "the first batch's error failed the next";
}

TEST_F(DeliveryTrackerTest, BatchIdsAreNeverZeroAndNeverReused) {
    // 0 is what a message without an opaque carries.
    auto const first = tracker_.begin(1);
    EXPECT_NE(first, 0u);
    EXPECT_GT(tracker_.begin(1), first);
    tracker_.report(0, kAcknowledged);
    EXPECT_EQ(settled_now(), std::nullopt);
}

TEST_F(DeliveryTrackerTest, FailuresNameEachFailedMessageOfTheCurrentBatchOnly) {
    auto const earlier = tracker_.begin(1);
    tracker_.report(earlier, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, 0);
    auto const batch = tracker_.begin(3);
    EXPECT_TRUE(tracker_.failures().empty()) << "begin() forgets the batch before";
    tracker_.report(batch, kAcknowledged, 0);
    tracker_.report(batch, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, 2);
    tracker_.report(earlier, RD_KAFKA_RESP_ERR__TRANSPORT, 1);
    tracker_.report(batch, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, 1);
    ASSERT_EQ(settled_now(), RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    auto const failures = tracker_.failures();
    ASSERT_EQ(failures.size(), 2u);
    EXPECT_EQ(failures[0].message, 2u);
    EXPECT_EQ(failures[0].error, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    EXPECT_EQ(failures[1].message, 1u);
    EXPECT_EQ(failures[1].error, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC);
}

TEST_F(DeliveryTrackerTest, AMessagesTagCarriesItsBatchAndItsPlace) {
    auto const batch = tracker_.begin(DeliveryTracker::kMaxMessages - 1);
    for (std::size_t message :
         {std::size_t{0}, std::size_t{1}, DeliveryTracker::kMaxMessages - 1}) {
        auto const report = DeliveryTracker::report_of(DeliveryTracker::tag(batch, message),
                                                       RD_KAFKA_RESP_ERR__TRANSPORT);
        EXPECT_EQ(report.batch, batch);
        EXPECT_EQ(report.message, message);
        EXPECT_EQ(report.error, RD_KAFKA_RESP_ERR__TRANSPORT);
    }
    EXPECT_EQ(DeliveryTracker::report_of(nullptr, kAcknowledged).batch, 0u);
}

TEST_F(DeliveryTrackerTest, ABatchOfNoMessagesHasSettledAtOnce) {
    tracker_.begin(0);
    EXPECT_EQ(settled_now(), kAcknowledged);
}

}  // namespace
}  // namespace callsink
