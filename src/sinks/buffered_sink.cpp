#include "callsink/sinks/buffered_sink.hpp"

#include <atomic>
#include <mutex>
#include <utility>
#include <vector>

namespace callsink {

namespace {

// Besides the record count: 10,000 records of up to 1 MiB each would be no bound at all.
constexpr std::size_t kMaxBufferedBytes = 16 * 1024 * 1024;

}  // namespace

// Shared between the sink and its thread, so a thread abandoned at close() keeps it alive. The
// worker's mutex guards everything here but the inner sink and the batch (the thread's) and the
// atomics.
struct BufferedSink::State {
    std::unique_ptr<Sink> inner;  // the thread's
    std::size_t capacity;
    std::shared_ptr<spdlog::logger> logger;

    std::vector<Record> queue;
    std::size_t queued_bytes = 0;  // of the records in queue
    bool reopen = false;
    bool dropping = false;
    std::uint64_t dropped_since_log = 0;
    std::atomic<std::uint64_t> dropped{0};
    std::atomic<std::uint64_t> pending{0};  // queued or being written by the thread
    boost::system::error_code last_error;   // of the inner sink's last write
    std::vector<Record> batch;              // the thread's, reused

    // The worker's step: takes everything queued as one batch, and ends, closing the inner sink,
    // once stopping with nothing left.
    Worker::Next step(Worker::Turn& turn) {
        if (queue.empty() && !reopen) {
            if (!turn.stopping()) {
                return Worker::Next::wait();
            }
            turn.lock().unlock();
            inner->close();
            turn.lock().lock();
            return Worker::Next::end();
        }
        batch.swap(queue);
        queued_bytes = 0;
        bool const do_reopen = std::exchange(reopen, false);
        turn.lock().unlock();
        if (do_reopen) {
            inner->reopen();
        }
        if (batch.empty()) {
            turn.lock().lock();
            return Worker::Next::again();
        }
        auto const ec = inner->write(batch);
        pending.fetch_sub(batch.size(), std::memory_order_relaxed);
        batch.clear();
        turn.lock().lock();
        last_error = ec;
        return Worker::Next::again();
    }
};

BufferedSink::BufferedSink(std::unique_ptr<Sink> inner, std::size_t capacity,
                           std::shared_ptr<spdlog::logger> logger,
                           std::chrono::milliseconds close_timeout)
    : state_(std::make_shared<State>()), close_timeout_(close_timeout) {
    state_->inner = std::move(inner);
    state_->capacity = capacity;
    state_->logger = std::move(logger);
    worker_.start([state = state_](Worker::Turn& turn) { return state->step(turn); });
}

BufferedSink::~BufferedSink() {
    close();
}

std::string const& BufferedSink::name() const {
    return state_->inner->name();
}

std::uint64_t BufferedSink::dropped() const {
    return state_->dropped.load(std::memory_order_relaxed);
}

std::uint64_t BufferedSink::in_flight() const {
    return state_->pending.load(std::memory_order_relaxed) + state_->inner->in_flight();
}

bool BufferedSink::reachable() const {
    return state_->inner->reachable();
}

std::string BufferedSink::file_path() const {
    return state_->inner->file_path();
}

boost::system::error_code BufferedSink::write(std::span<Record const> batch) {
    State& s = *state_;
    std::uint64_t dropped_now = 0;
    {
        std::lock_guard lock(worker_.mutex());
        for (Record const& record : batch) {
            if (s.queue.size() >= s.capacity ||
                s.queued_bytes + record.line.size() > kMaxBufferedBytes) {
                ++dropped_now;
            } else {
                s.queued_bytes += record.line.size();
                s.queue.push_back(record);
            }
        }
        if (dropped_now > 0 && !s.dropping) {
            s.logger->warn(
                "{} is behind: its buffer of {} records is full; dropping records for it",
                s.inner->name(), s.capacity);
        } else if (dropped_now == 0 && s.dropping) {
            s.logger->info("{} caught up; {} records were dropped for it", s.inner->name(),
                           s.dropped_since_log);
            s.dropped_since_log = 0;
        }
        s.dropping = dropped_now > 0;
        s.dropped_since_log += dropped_now;
        // Under the lock, before the thread can take these records and count them off.
        s.pending.fetch_add(batch.size() - dropped_now, std::memory_order_relaxed);
    }
    s.dropped.fetch_add(dropped_now, std::memory_order_relaxed);
    worker_.wake();
    std::lock_guard lock(worker_.mutex());
    return s.last_error;
}

boost::system::error_code BufferedSink::reopen() {
    std::lock_guard lock(worker_.mutex());
    state_->reopen = true;
    worker_.wake();
    // The reopen happens on the sink's thread; until a write proves otherwise, the destination
    // is as it was (a stdout whose reader left does not come back with SIGHUP).
    return state_->last_error;
}

boost::system::error_code BufferedSink::check() {
    std::lock_guard lock(worker_.mutex());
    return state_->last_error;
}

void BufferedSink::close() {
    if (std::exchange(closed_, true)) {
        return;
    }
    if (worker_.stop(close_timeout_)) {
        return;
    }
    // Abandoned: the thread is blocked in the destination, writing or closing it. Records still
    // queued or in that write are lost; with none, only the close did not finish.
    std::uint64_t const unwritten = state_->pending.load(std::memory_order_relaxed);
    if (unwritten > 0) {
        state_->logger->warn("{} is blocked; {} buffered records were not written at shutdown",
                             state_->inner->name(), unwritten);
    } else {
        state_->logger->warn(
            "{} did not close within {} ms at shutdown; nothing was left in its buffer",
            state_->inner->name(), close_timeout_.count());
    }
}

}  // namespace callsink
