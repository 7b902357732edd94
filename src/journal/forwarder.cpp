#include "callsink/journal/forwarder.hpp"

#include <optional>
#include <utility>

#include "callsink/journal/checkpoint.hpp"

namespace callsink {

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

// Everything the thread works from. The worker's mutex guards what is marked so; the rest is the
// thread's, or fixed once made.
struct Forwarder::State {
    State(std::shared_ptr<Journal> j, std::unique_ptr<Sink> s, ForwarderOptions o,
          std::shared_ptr<spdlog::logger> l, Metrics& m)
        : journal(std::move(j)),
          sink(std::move(s)),
          options(o),
          logger(std::move(l)),
          metrics(m),
          name(sink->name()),
          checkpoint(checkpoint_file(journal->folder(), name)),
          backoff(options.first_retry, options.max_retry) {}

    std::shared_ptr<Journal> journal;
    std::unique_ptr<Sink> sink;  // the thread's
    ForwarderOptions options;
    std::shared_ptr<spdlog::logger> logger;
    Metrics& metrics;
    std::string name;
    std::filesystem::path checkpoint;
    std::size_t metrics_index = 0;
    std::size_t reader_id = 0;
    Backoff backoff;  // guarded

    std::optional<JournalReader> reader;  // the thread's, from start()
    std::vector<JournalEntry> batch;      // guarded: read, not yet taken by the sink
    std::vector<Record> records;          // the thread's: the batch's records, for Sink::write
    JournalPosition sent;                 // guarded: the sink has every record before it
    bool published = false;               // guarded: the journal published since the last read
    bool failing = false;                 // guarded
    std::string last_error;               // guarded
    Worker::TimePoint retry_at{};         // guarded
    Worker::TimePoint failing_since{};    // guarded
    std::uint64_t saved_sequence = 0;     // guarded: what the checkpoint file holds
    Worker::TimePoint save_due{};         // guarded
    Worker::TimePoint drain_until = Worker::TimePoint::max();  // guarded
    bool tried_at_stop = false;  // the thread's: a failing sink's one try while draining

    Worker::Next step(Worker::Turn& turn);
    void take(std::size_t count, Worker::Turn& turn);
    void fail(boost::system::error_code ec, Worker::Turn& turn);
    void save(Worker::Turn& turn);
    bool caught_up() const { return batch.empty() && sent.offset >= journal->end().offset; }
    std::uint64_t waiting() const {
        std::uint64_t const end = journal->end().sequence;
        return end > sent.sequence ? end - sent.sequence : 0;
    }
};

Worker::Next Forwarder::State::step(Worker::Turn& turn) {
    Worker::Lock& lock = turn.lock();
    auto const now = turn.now();
    if (turn.stopping() && (now >= drain_until || caught_up() || (failing && tried_at_stop))) {
        // A failing sink is tried once more, not waited for: the rest goes at the next start.
        save(turn);
        lock.unlock();
        sink->close();
        lock.lock();
        return Worker::Next::end();
    }
    if (failing && turn.stopping()) {
        tried_at_stop = true;  // now, without its backoff: it may just have come back
    } else if (failing && now < retry_at) {
        return Worker::Next::wait_until(retry_at);
    }
    if (saved_sequence != sent.sequence && now >= save_due) {
        save(turn);
    }
    if (batch.empty()) {
        published = false;
        lock.unlock();
        std::vector<JournalEntry> read;
        auto const ec = reader->read(options.batch_records, options.batch_bytes, read);
        lock.lock();
        if (ec) {
            fail(ec, turn);
            return Worker::Next::again();
        }
        if (read.empty() && reader->position().offset > sent.offset) {
            sent = reader->position();  // past damage it skipped at the end
            journal->move_reader(reader_id, sent);
        }
        if (read.empty()) {
            if (published || turn.stopping()) {
                return Worker::Next::again();
            }
            // Caught up: woken by the next publish, or to save the checkpoint.
            return saved_sequence != sent.sequence ? Worker::Next::wait_until(save_due)
                                                   : Worker::Next::wait();
        }
        batch = std::move(read);
    }
    records.clear();
    for (JournalEntry& entry : batch) {
        records.push_back(std::move(entry.record));
    }
    lock.unlock();
    auto ec = options.dead_letters.take_refused(*sink, records, sink->write(records));
    if (!ec) {
        ec = sink->sync();
    }
    lock.lock();
    if (ec) {
        for (std::size_t i = 0; i < batch.size(); ++i) {
            batch[i].record = std::move(records[i]);  // sent again after the backoff
        }
        fail(ec, turn);
    } else {
        take(batch.size(), turn);
    }
    return Worker::Next::again();
}

void Forwarder::State::take(std::size_t count, Worker::Turn& turn) {
    if (failing) {
        auto const seconds = std::chrono::duration<double>(turn.now() - failing_since).count();
        logger->info(
            "forwarding to {} recovered after {:.1f} s: {} records had waited in the "
            "journal, and go on in order",
            name, seconds, waiting());
        failing = false;
        last_error.clear();
        backoff.reset();
    }
    sent = batch[count - 1].after;
    if (count == batch.size()) {
        sent = reader->position();  // past damage the reader skipped after the last record too
    }
    batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(count));
    metrics.add(Counter::journal_forwarded, metrics_index, count);
    journal->move_reader(reader_id, sent);
}

void Forwarder::State::fail(boost::system::error_code ec, Worker::Turn& turn) {
    metrics.add(Counter::journal_forward_errors, metrics_index);
    auto const wait = backoff.next();
    retry_at = turn.now() + wait;
    last_error = ec.message();
    if (!failing) {
        failing = true;
        failing_since = turn.now();
        logger->error(
            "forwarding to {} failed: {}; deliveries are still answered 200, {} records "
            "wait in the journal, sent again with a backoff of up to {} s until it takes "
            "them",
            name, last_error, waiting(),
            std::chrono::duration_cast<std::chrono::seconds>(options.max_retry).count());
    }
}

void Forwarder::State::save(Worker::Turn& turn) {
    Worker::Lock& lock = turn.lock();
    std::uint64_t const sequence = sent.sequence;
    lock.unlock();
    auto const ec = write_checkpoint(checkpoint, name, sequence);
    lock.lock();
    save_due = turn.now() + options.checkpoint_interval;
    if (ec) {
        logger->error(
            "forwarder of {}: cannot save its checkpoint {}: {}; a restart would send "
            "again what it sent since",
            name, checkpoint.string(), ec.message());
        return;
    }
    saved_sequence = sequence;
}

Forwarder::Forwarder(std::shared_ptr<Journal> journal, std::unique_ptr<Sink> sink,
                     ForwarderOptions options, std::shared_ptr<spdlog::logger> logger,
                     Metrics& metrics, WaitClock& clock)
    : state_(std::make_shared<State>(std::move(journal), std::move(sink), options,
                                     std::move(logger), metrics)),
      worker_(clock) {
    State& state = *state_;
    state.metrics_index = metrics.add_forwarded_sink(state.name);
    state.sent = state.journal->find(0);  // until start() reads the checkpoint: the oldest
    state.reader_id = state.journal->add_reader([this] {
        {
            Worker::Lock lock(worker_.mutex());
            state_->published = true;
        }
        worker_.wake();
    });
}

Forwarder::~Forwarder() {
    drain_and_stop(WaitClock::time_point::min());
}

std::string const& Forwarder::name() const {
    return state_->name;
}

void Forwarder::start() {
    State& state = *state_;
    std::optional<std::uint64_t> const checkpoint = read_checkpoint(state.checkpoint);
    // Without a checkpoint, from the oldest record there is.
    JournalPosition const from = state.journal->find(checkpoint.value_or(0));
    {
        Worker::Lock lock(worker_.mutex());
        state.reader.emplace(state.journal, from);
        state.sent = from;
        state.saved_sequence = checkpoint.value_or(from.sequence);
        state.save_due = worker_.now() + state.options.checkpoint_interval;
    }
    state.journal->move_reader(state.reader_id, from);
    ForwarderStatus const waiting = status();
    state.logger->info("forwarding to {} from record {}: {} records, {} bytes wait", state.name,
                       from.sequence, waiting.unforwarded_records, waiting.unforwarded_bytes);
    started_ = true;
    worker_.start([state = state_](Worker::Turn& turn) { return state->step(turn); });
}

void Forwarder::drain_and_stop(WaitClock::time_point until) {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    state_->journal->stop_telling(state_->reader_id);
    if (!started_) {
        state_->sink->close();
        return;
    }
    {
        Worker::Lock lock(worker_.mutex());
        state_->drain_until = until;
    }
    worker_.stop();
}

ForwarderStatus Forwarder::status() const {
    State const& state = *state_;
    ForwarderStatus status;
    status.sink = state.name;
    Worker::Lock lock(worker_.mutex());
    JournalPosition const end = state.journal->end();
    status.retrying = state.failing;
    status.backoff = state.failing ? state.backoff.current() : std::chrono::milliseconds::zero();
    status.last_error = state.last_error;
    status.unforwarded_records =
        end.sequence > state.sent.sequence ? end.sequence - state.sent.sequence : 0;
    status.unforwarded_bytes = end.offset > state.sent.offset ? end.offset - state.sent.offset : 0;
    if (status.unforwarded_records > 0 && !state.batch.empty()) {
        status.oldest_age_seconds =
            static_cast<double>(now_ms() - state.batch.front().appended_at_ms) / 1000.0;
    }
    return status;
}

}  // namespace callsink
