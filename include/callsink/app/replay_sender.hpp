// Sends records to one sink for `callsink replay`: in batches, in the order they are added, each
// batch written and synced as the daemon's forwarders do (Sink::write, Sink::sync). A batch the
// sink refuses is sent again after the forwarders' capped backoff (base/backoff.hpp), for a bounded
// time: past it the sender gives up, says what failed, and counts that batch and everything added
// after it as failed, so the summary accounts for every record. Progress goes to a stream (standard
// error) every few seconds, one line at a time, with the count so far.
//
// A record the sink refuses for good (Sink::refused: a value it can never store) is counted as
// failed at once and not sent again; the batch's other records are stored.
//
// Where the sink can tell which records it holds already (a lookup by redelivery key), those are
// counted as duplicates and not sent; elsewhere every record is sent, and the sink or its
// consumers drop copies by the redelivery key.
//
// Waits on a WaitClock (base/wait_clock.hpp), so a test gives a clock that moves to each deadline
// instead of sleeping through it. Used from one thread.
#pragma once

#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "callsink/base/wait_clock.hpp"
#include "callsink/records/record.hpp"
#include "callsink/sinks/sink.hpp"

namespace callsink {

struct ReplaySenderOptions {
    std::size_t batch_records = 500;
    std::size_t batch_bytes = 1024 * 1024;
    std::chrono::milliseconds first_retry{100};
    std::chrono::milliseconds max_retry{30'000};
    // How long one batch may keep failing before the sender gives up.
    std::chrono::milliseconds retry_for{60'000};
    std::chrono::milliseconds progress_every{5'000};
};

struct ReplayCounts {
    std::uint64_t sent = 0;        // taken by the sink
    std::uint64_t duplicates = 0;  // the sink had them already, and was not sent them
    std::uint64_t failed = 0;      // not stored: refused for good, or failing past retry_for
    std::uint64_t refused = 0;     // of those, refused for good
};

// Sets stored[i] to whether the sink holds batch[i] already; an error when it cannot tell now
// (retried as a failed write is).
using StoredLookup = std::function<boost::system::error_code(std::span<Record const> batch,
                                                             std::vector<bool>& stored)>;

class ReplaySender {
  public:
    ReplaySender(Sink& sink, ReplaySenderOptions options, std::ostream& progress,
                 WaitClock& clock = WaitClock::steady(), StoredLookup lookup = {});

    // Queues the record, sending the batch once it is full. False once the sender has given up:
    // the record is counted as failed.
    bool add(Record record);
    // Sends what is queued. False when the sender has given up (now or before).
    bool finish();

    ReplayCounts const& counts() const { return counts_; }
    bool gave_up() const { return gave_up_; }
    // Why it gave up: the sink's name and its last error.
    std::string const& failure() const { return failure_; }
    // The sink's words for the first record it refused for good; empty when none was.
    std::string const& first_refusal() const { return first_refusal_; }

  private:
    bool send();
    // One try at the batch: the lookup (which takes what the sink has out of it), then the write.
    boost::system::error_code try_send();
    void wait(std::chrono::milliseconds how_long);
    void report_progress();

    Sink& sink_;
    ReplaySenderOptions options_;
    std::ostream& progress_;
    WaitClock& clock_;
    StoredLookup lookup_;
    std::vector<Record> batch_;
    std::size_t batch_bytes_ = 0;
    std::vector<bool> stored_;
    ReplayCounts counts_;
    bool gave_up_ = false;
    std::string failure_;
    std::string first_refusal_;
    std::size_t refused_in_batch_ = 0;  // of the batch being sent
    WaitClock::time_point next_progress_;
};

}  // namespace callsink
