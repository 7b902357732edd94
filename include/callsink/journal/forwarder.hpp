// Carries the journal (journal.hpp) to one forwarded sink ([[sinks]] delivery = "journal"), in
// the background, in journal order: the step of a Worker (base/worker.hpp) reads a batch after the
// position the sink has taken everything before, writes it to the sink (Sink::write, then
// Sink::sync), and moves the position past it, which lets the journal delete the segments every
// forwarder has passed. A batch the sink refuses is sent again, the same batch, after a capped
// exponential backoff (100 ms doubling up to 30 s), forever: the journal holds what waits behind
// it, and once the sink is back the forwarder catches up by itself, a batch at a time. One log
// line when the sink starts failing, one when it recovers (how long, how many records waited),
// none per retry.
//
// The position is kept on disk as a checkpoint (checkpoint.hpp), at most a second after it moved
// and at the end, so a restart, even after kill -9, sends again at most about a second of records:
// the sinks drop those copies by their redelivery key (PostgreSQL's primary key, the Kafka
// consumer by the redeliveryKey header). Without a checkpoint it starts at the oldest record the
// journal holds.
//
// A batch whose only failure is records the sink refuses for good (Sink::refused: not
// "unavailable" but "never") is taken once the options' dead-letter route has written those to
// the dead-letter file (sinks/dead_letter_file.hpp): the forwarder moves past them instead of
// retrying them forever while every record behind them waits. If that file cannot be written,
// the batch is retried like any other failure.
//
// At shutdown, drain_and_stop() lets it go on until it has sent everything the journal holds or
// the bound passes (a sink that is failing is tried once more at once, not waited for), then saves
// the checkpoint and closes the sink: the rest goes at the next start. A send under way when the
// bound passes ends by the sink's own timeout (delivery_timeout_ms); the daemon's watchdog bounds
// the whole stop.
//
// Threading: construct every forwarder of a journal before starting any (the journal keeps the
// segments the slowest has not passed, and a forwarder starting early could delete what one not
// yet made needs). start() and drain_and_stop() from the owner's thread; status() from any.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "callsink/base/backoff.hpp"
#include "callsink/base/wait_clock.hpp"
#include "callsink/base/worker.hpp"
#include "callsink/journal/journal.hpp"
#include "callsink/journal/journal_reader.hpp"
#include "callsink/ops/metrics.hpp"
#include "callsink/sinks/dead_letter_file.hpp"
#include "callsink/sinks/sink.hpp"

namespace callsink {

struct ForwarderOptions {
    std::size_t batch_records = 1'000;
    std::size_t batch_bytes = 1024 * 1024;
    std::chrono::milliseconds first_retry{100};
    std::chrono::milliseconds max_retry{30'000};
    std::chrono::milliseconds checkpoint_interval{1'000};
    DeadLetterRoute dead_letters;  // where the sink's refusals for good go; none: retried
};

// What GET /readyz and /metrics say of a forwarded sink.
struct ForwarderStatus {
    std::string sink;
    bool retrying = false;                 // its last send failed; the next is after the backoff
    std::chrono::milliseconds backoff{0};  // the wait before that next send
    std::uint64_t unforwarded_records = 0;
    std::uint64_t unforwarded_bytes = 0;
    double oldest_age_seconds = 0;  // of the oldest record it has not taken; 0 when none
    std::string last_error;         // while retrying
};

class Forwarder {
  public:
    // Takes its position from the sink's checkpoint in the journal's folder (it starts there on
    // start()); its counters are registered with `metrics` under the sink's name.
    Forwarder(std::shared_ptr<Journal> journal, std::unique_ptr<Sink> sink,
              ForwarderOptions options, std::shared_ptr<spdlog::logger> logger, Metrics& metrics,
              WaitClock& clock = WaitClock::steady());
    ~Forwarder();  // drain_and_stop(now) if still running
    Forwarder(Forwarder const&) = delete;
    Forwarder& operator=(Forwarder const&) = delete;

    std::string const& name() const;

    void start();

    // Sends on until the sink has everything published or until `until` (on its clock), then
    // saves the checkpoint and closes the sink. Waits for the send under way. Several forwarders
    // stopped one after the other with the same `until` drain side by side: each goes on until
    // told.
    void drain_and_stop(WaitClock::time_point until);

    ForwarderStatus status() const;

  private:
    struct State;
    std::shared_ptr<State> state_;
    Worker worker_;
    bool started_ = false;
    bool stopped_ = false;
};

}  // namespace callsink
