#include "callsink/sinks/buffered_sink.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace callsink {

namespace {

// Besides the record count: 10,000 records of up to 1 MiB each would be no bound at all.
constexpr std::size_t kMaxBufferedBytes = 16 * 1024 * 1024;

}  // namespace

// Shared between the sink and its thread, so a thread abandoned at close() keeps it alive.
struct BufferedSink::State {
    std::unique_ptr<Sink> inner;
    std::size_t capacity;
    std::shared_ptr<spdlog::logger> logger;

    std::mutex mutex;
    std::condition_variable wake;
    std::condition_variable drained;
    std::vector<Record> queue;     // guarded by mutex
    std::size_t queued_bytes = 0;  // of the records in queue; guarded by mutex
    bool stopping = false;         // guarded by mutex
    bool reopen = false;           // guarded by mutex
    bool busy = false;             // the thread holds records taken from the queue
    bool dropping = false;         // guarded by mutex
    std::uint64_t dropped_since_log = 0;
    std::atomic<std::uint64_t> dropped{0};
    std::atomic<std::uint64_t> pending{0};  // queued or being written by the thread
    boost::system::error_code last_error;   // of the inner sink's last write; guarded by mutex

    void run() {
        std::vector<Record> batch;
        for (;;) {
            bool do_reopen = false;
            {
                std::unique_lock lock(mutex);
                busy = false;
                drained.notify_all();
                wake.wait(lock, [this] { return !queue.empty() || stopping || reopen; });
                if (queue.empty() && stopping) {
                    break;
                }
                batch.swap(queue);
                queued_bytes = 0;
                do_reopen = std::exchange(reopen, false);
                busy = true;
            }
            if (do_reopen) {
                inner->reopen();
            }
            if (!batch.empty()) {
                auto const ec = inner->write(batch);
                pending.fetch_sub(batch.size(), std::memory_order_relaxed);
                batch.clear();
                std::lock_guard lock(mutex);
                last_error = ec;
            }
        }
        inner->close();
    }
};

BufferedSink::BufferedSink(std::unique_ptr<Sink> inner, std::size_t capacity,
                           std::shared_ptr<spdlog::logger> logger,
                           std::chrono::milliseconds close_timeout)
    : state_(std::make_shared<State>()), close_timeout_(close_timeout) {
    state_->inner = std::move(inner);
    state_->capacity = capacity;
    state_->logger = std::move(logger);
    thread_ = std::thread([state = state_] { state->run(); });
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

boost::system::error_code BufferedSink::write(std::span<Record const> batch) {
    State& s = *state_;
    std::uint64_t dropped_now = 0;
    {
        std::lock_guard lock(s.mutex);
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
    s.wake.notify_one();
    std::lock_guard lock(s.mutex);
    return s.last_error;
}

boost::system::error_code BufferedSink::reopen() {
    std::lock_guard lock(state_->mutex);
    state_->reopen = true;
    state_->wake.notify_one();
    // The reopen happens on the sink's thread; until a write proves otherwise, the destination
    // is as it was (a stdout whose reader left does not come back with SIGHUP).
    return state_->last_error;
}

boost::system::error_code BufferedSink::check() {
    std::lock_guard lock(state_->mutex);
    return state_->last_error;
}

void BufferedSink::close() {
    State& s = *state_;
    bool drained = true;
    {
        std::unique_lock lock(s.mutex);
        if (!s.stopping) {
            s.stopping = true;
            s.wake.notify_one();
            drained = s.drained.wait_for(lock, close_timeout_,
                                         [&s] { return s.queue.empty() && !s.busy; });
            if (!drained) {
                s.logger->warn("{} is blocked; {} buffered records were not written at shutdown",
                               s.inner->name(), s.queue.size());
            }
        }
    }
    if (thread_.joinable()) {
        // A thread stuck in its destination's write cannot be joined; it owns the state it uses.
        drained ? thread_.join() : thread_.detach();
    }
}

}  // namespace callsink
