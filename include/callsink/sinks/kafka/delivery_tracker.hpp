// Tells the Kafka sink's writer when the batch it produced has settled: every message's delivery
// report has come, acknowledged or failed. The sink's poller hands each report over as librdkafka
// serves it; the tracker counts the batch's messages down, and the last report wakes the writer,
// which waits on a condition variable: no polling step, and no waiting on messages that are not
// the batch's (librdkafka's own count in flight, which rd_kafka_flush() waits on, also holds
// whatever an earlier batch left behind).
//
// A batch succeeds only when every one of its messages was acknowledged; otherwise its outcome is
// the first error reported, and failures() says which messages failed and how, so the sink can
// tell a message refused for good from a batch to send again. Each batch has an id, never 0 and
// never reused, that its messages carry with their place in the batch (their opaque, tag()), so a
// report that comes after its batch was given up on (timed out, its messages purged) is told
// apart and ignored: it cannot count towards the next batch.
//
// Threading: begin() and wait_until() from the thread that writes (one at a time, as
// Sink::write); report() from any thread (the poller, or the writer for a message librdkafka
// refused at once). Deadlines are on the clock given to the constructor (base/wait_clock.hpp),
// which a test moves by hand.
#pragma once

#include <librdkafka/rdkafka.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "callsink/base/wait_clock.hpp"

namespace callsink {

class DeliveryTracker {
  public:
    using TimePoint = WaitClock::time_point;

    // One message's delivery report: the id of its batch, its outcome and its place in the batch.
    struct Report {
        std::uint64_t batch;
        rd_kafka_resp_err_t error;
        std::size_t message = 0;
    };

    // A batch holds fewer messages than this, for tag() to carry each one's place.
    static constexpr std::size_t kMaxMessages = std::size_t{1} << 24;

    // What a message carries as its opaque (batch ids up to 2^40), and its report from it.
    static void* tag(std::uint64_t batch, std::size_t message);
    static Report report_of(void const* tag, rd_kafka_resp_err_t error);

    explicit DeliveryTracker(WaitClock& clock = WaitClock::steady());
    ~DeliveryTracker();
    DeliveryTracker(DeliveryTracker const&) = delete;
    DeliveryTracker& operator=(DeliveryTracker const&) = delete;

    TimePoint now() const { return clock_.now(); }

    // Starts the next batch, of `messages` messages, and returns the id its messages carry. The
    // batch before it is over: its reports still to come are ignored.
    std::uint64_t begin(std::size_t messages);

    // Counts each report of the current batch; the last one wakes wait_until().
    void report(std::span<Report const> reports);
    void report(std::uint64_t batch, rd_kafka_resp_err_t error, std::size_t message = 0);

    // The current batch's reports that failed, in the order they came; once wait_until() gave an
    // outcome, every failure of the batch.
    std::vector<Report> failures();

    // Waits until every message of the current batch has reported, or until `deadline`. The
    // batch's outcome (NO_ERROR, or the first error reported), or nullopt at the deadline while
    // reports are still to come; a later call may then wait on, for the same batch.
    std::optional<rd_kafka_resp_err_t> wait_until(TimePoint deadline);

  private:
    WaitClock& clock_;
    std::mutex mutex_;
    std::condition_variable settled_;
    std::uint64_t batch_ = 0;                                       // guarded by mutex_
    std::size_t pending_ = 0;                                       // guarded by mutex_
    rd_kafka_resp_err_t first_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;  // guarded by mutex_
    std::vector<Report> failures_;                                  // guarded by mutex_
};

}  // namespace callsink
