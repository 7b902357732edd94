#include "callsink/pipeline/pipeline.hpp"

#include <boost/asio/post.hpp>
#include <exception>
#include <thread>
#include <utility>

#include "callsink/base/log_text.hpp"
#include "callsink/journal/journal_errors.hpp"
#include "callsink/pipeline/errors.hpp"

namespace callsink {

namespace {

constexpr std::chrono::seconds kRecoveryInterval{1};
constexpr std::chrono::seconds kCheckInterval{5};
constexpr std::size_t kSmallBatch = 16;
constexpr std::size_t kMaxQueuedBytes = 256 * 1024 * 1024;

}  // namespace

std::string_view to_string(Durability durability) {
    switch (durability) {
        case Durability::none:
            return "none";
        case Durability::write:
            return "write";
        case Durability::fsync:
            return "fsync";
    }
    return "?";
}

Pipeline::Pipeline(PipelineOptions options, std::vector<SinkSlot> event_sinks,
                   SinkSlot rejects_sink, std::shared_ptr<spdlog::logger> logger, Metrics& metrics,
                   WaitClock& clock, std::vector<DeadLetterRoute> dead_letters)
    : options_(options),
      logger_(std::move(logger)),
      worker_(clock),
      metrics_(metrics),
      dedupe_(options.dedupe_window) {
    auto const add = [this](std::vector<SlotState>& slots, SinkSlot slot, std::string name) {
        std::atomic<std::uint64_t>& writing = writing_.emplace_back(0);
        std::atomic<bool>& failing = failing_shown_.emplace_back(false);
        Sink const* sink = slot.sink.get();
        SinkReadings readings;
        readings.in_flight = [&writing, sink] {
            return writing.load(std::memory_order_relaxed) + sink->in_flight();
        };
        readings.up = [&failing, sink] {
            return !failing.load(std::memory_order_relaxed) && sink->reachable();
        };
        readings.required = slot.required;
        readings.file = sink->file_path();
        std::size_t const index = metrics_.add_sink(std::move(name), std::move(readings));
        slots.push_back(SlotState{std::move(slot), index, &writing, &failing, {}});
    };
    for (std::size_t i = 0; i < event_sinks.size(); ++i) {
        std::string name = event_sinks[i].sink->name();
        add(event_slots_, std::move(event_sinks[i]), std::move(name));
        if (i < dead_letters.size()) {
            event_slots_.back().dead_letters = dead_letters[i];
        }
    }
    std::string name = "rejects " + rejects_sink.sink->name();
    add(rejects_slots_, std::move(rejects_sink), std::move(name));
}

Pipeline::~Pipeline() {
    stop();
}

void Pipeline::start(std::optional<CompletionExecutor> completions,
                     std::vector<CompletionExecutor> io_threads) {
    completions_ = completions;
    io_threads_ = std::move(io_threads);
    flush_posted_.assign(io_threads_.size(), 0);
    io_thread_writes_ = io_threads_may_write();
    check_due_ = worker_.now() + check_interval();
    worker_.start([this](Worker::Turn& turn) { return writer_step(turn); });
}

void Pipeline::submit(Record record, Completion on_done) {
    Worker::Lock lock(worker_.mutex());
    if (worker_.stopping()) {
        lock.unlock();
        metrics_.refuse(Refusal::shutdown);
        on_done(Errc::stopped);
        return;
    }
    // Bounded in records and in bytes: 65,536 deliveries of 1 MiB each is no bound at all.
    if (queue_.size() >= options_.queue_capacity ||
        queued_bytes_ + record.line.size() > kMaxQueuedBytes) {
        lock.unlock();
        metrics_.refuse(Refusal::queue_full);
        on_done(Errc::queue_full);
        return;
    }
    RecordKind const kind = record.kind;
    queued_bytes_ += record.line.size();
    if (options_.durability == Durability::none) {
        queue_.push_back(Pending{kind, std::move(record), {}});
        bool const wake = writer_has_work();
        lock.unlock();
        if (wake) {
            worker_.wake();
        }
        on_done({});
        return;
    }
    queue_.push_back(Pending{kind, std::move(record), std::move(on_done)});
    // Also where the writer thread writes for durability "write" (a sink that waits): the flush
    // then only wakes it, once, after what this thread has read meanwhile is queued too (9).
    if (options_.durability == Durability::write && role_ != Role::writer &&
        failing_.load(std::memory_order_relaxed) == 0) {
        if (auto const index = this_io_thread()) {
            if (!flush_posted_[*index]) {
                flush_posted_[*index] = 1;
                ++flushes_posted_;
                lock.unlock();
                // Posted, not written now: what this thread reads by then joins the batch.
                boost::asio::post(io_threads_[*index],
                                  [this, index = *index] { write_on_io_thread(index); });
            }
            return;  // else that thread's flush, already posted, takes this record too (4)
        }
    }
    // The writer thread takes it once it is done with its batch (or an io thread with its own),
    // or a posted flush does (4): it is woken only if none of those will (5).
    bool const wake = writer_has_work();
    lock.unlock();
    if (wake) {
        worker_.wake();
    }
}

std::optional<std::size_t> Pipeline::this_io_thread() const {
    for (std::size_t i = 0; i < io_threads_.size(); ++i) {
        if (io_threads_[i].running_in_this_thread()) {
            return i;
        }
    }
    return std::nullopt;
}

bool Pipeline::io_threads_may_write() const {
    return options_.durability == Durability::write && !io_threads_.empty() &&
           all_write_without_waiting(0);
}

bool Pipeline::all_write_without_waiting(std::size_t bytes) const {
    for (auto const* slots : {&event_slots_, &rejects_slots_}) {
        for (SlotState const& state : *slots) {
            if (!state.slot.sink->writes_without_waiting(bytes)) {
                return false;
            }
        }
    }
    return true;
}

bool Pipeline::writer_has_work() const {
    // A posted flush takes the queue (4), unless stop() or reopen() come before it runs; where io
    // threads may not write it would only wake the writer thread, which takes the queue now (9).
    return role_ == Role::free &&
           (worker_.stopping() || reopen_requested_ ||
            (!queue_.empty() && (flushes_posted_ == 0 || !io_thread_writes_)));
}

Pipeline::Decision Pipeline::next_action(Asker asker, Worker::Lock& lock) {
    if (role_ != Role::free) {
        // Nothing for anyone else while the role is held (1), and nothing asked of the sinks (3):
        // the holder asks again, or wakes the writer thread, once it gives the role back (4).
        if (asker == Asker::writer) {
            auto const now = worker_.now();
            if (now >= check_due_) {
                check_due_ = now + check_interval();  // an io thread's write tests the sinks too
            }
        }
        return {Action::none, {}};
    }
    if (asker == Asker::io_thread) {
        // Left to the writer thread: io threads may not write (7, 9), the pipeline stops or
        // reopens, or a sink would make this thread wait (a file due to rotate, a sink that
        // failed). The role is free: the sinks stand still while they answer (3).
        if (!io_thread_writes_ || queue_.empty() || worker_.stopping() || reopen_requested_ ||
            failing_.load(std::memory_order_relaxed) > 0 ||
            !all_write_without_waiting(queued_bytes_)) {
            return {Action::none, {}};
        }
        return {Action::write, WriterRole(*this, lock, Role::io_thread)};
    }
    if (worker_.stopping() && queue_.empty() && !reopen_requested_) {
        role_ = Role::closed;  // for good: a flush that runs late finds it taken (2, 8)
        return {Action::close, {}};
    }
    if (writer_has_work()) {
        return {Action::write, WriterRole(*this, lock, Role::writer)};
    }
    if (worker_.now() < check_due_) {
        return {Action::none, {}};
    }
    return {Action::check_sinks, WriterRole(*this, lock, Role::writer)};
}

Pipeline::WriterRole::WriterRole(Pipeline& pipeline, Worker::Lock& lock, Role role)
    : pipeline_(&pipeline), lock_(&lock) {
    pipeline.role_ = role;
}

Pipeline::WriterRole::WriterRole(WriterRole&& other) noexcept
    : pipeline_(std::exchange(other.pipeline_, nullptr)), lock_(other.lock_) {}

Pipeline::WriterRole::~WriterRole() {
    if (pipeline_ == nullptr) {
        return;
    }
    if (!lock_->owns_lock()) {
        lock_->lock();
    }
    Pipeline& p = *pipeline_;
    if (p.role_ == Role::writer) {
        // Asked while the role is still held, so the sinks stand still (3, 7): a file that was due
        // to rotate has rotated, a sink that failed may have recovered.
        p.io_thread_writes_ = p.io_threads_may_write();
    }
    p.role_ = Role::free;
    if (p.writer_has_work()) {
        p.worker_.wake();  // records queued meanwhile without a flush of their own, or a stop (4)
    }
}

void Pipeline::take_queue() {
    batch_.swap(queue_);
    queued_bytes_ = 0;
}

void Pipeline::write_on_io_thread(std::size_t index) noexcept {
    std::vector<Done> done;
    {
        Worker::Lock lock(worker_.mutex());
        flush_posted_[index] = 0;
        --flushes_posted_;
        Decision decision = next_action(Asker::io_thread, lock);
        if (decision.action != Action::write) {
            if (writer_has_work()) {
                worker_.wake();  // it was not woken for these records (4)
            }
            return;
        }
        take_queue();
        lock.unlock();
        done = process(batch_);
        batch_.clear();
        // The role is given back as `decision` goes (2).
    }
    run_completions(done, *logger_);  // on this thread, after the role is given back (6)
}

void Pipeline::reopen() {
    Worker::Lock lock(worker_.mutex());
    reopen_requested_ = true;
    bool const wake = writer_has_work();
    lock.unlock();
    if (wake) {
        worker_.wake();
    }
}

void Pipeline::stop() {
    worker_.stop();  // the writer thread ends once it closed the sinks (8)
}

bool Pipeline::ready() const {
    return failing_.load(std::memory_order_relaxed) == 0 && all_reachable();
}

bool Pipeline::all_reachable() const {
    for (auto const* slots : {&event_slots_, &rejects_slots_}) {
        for (SlotState const& state : *slots) {
            if (!state.slot.sink->reachable()) {
                return false;
            }
        }
    }
    return true;
}

bool Pipeline::unwell() const {
    return failing_.load(std::memory_order_relaxed) > 0 || !all_reachable();
}

std::chrono::seconds Pipeline::check_interval() const {
    return unwell() ? kRecoveryInterval : kCheckInterval;
}

std::size_t Pipeline::queue_depth() const {
    std::lock_guard lock(worker_.mutex());
    return queue_.size();
}

Worker::Next Pipeline::writer_step(Worker::Turn& turn) {
    Worker::Lock& lock = turn.lock();
    std::vector<Done> done;
    {
        Decision decision = next_action(Asker::writer, lock);
        switch (decision.action) {
            case Action::none:
                return Worker::Next::wait_until(check_due_);
            case Action::close:
                lock.unlock();
                close_all();
                lock.lock();
                return Worker::Next::end();
            case Action::check_sinks: {
                lock.unlock();
                // Asked again: a sink may have failed in an io thread's write meanwhile.
                if (unwell()) {
                    try_recover_all();
                } else {
                    check_all();
                }
                break;
            }
            case Action::write: {
                if (queue_.size() < kSmallBatch && !turn.stopping()) {
                    // Woken by the first record of a burst. Where the io thread shares this core,
                    // let it read the rest of the ready requests first: one write for all of them
                    // instead of a context switch per record. On a core of its own, returns at
                    // once.
                    lock.unlock();
                    std::this_thread::yield();
                    lock.lock();
                }
                take_queue();
                bool const reopen = std::exchange(reopen_requested_, false);
                lock.unlock();
                if (reopen) {
                    reopen_all();
                }
                if (!batch_.empty()) {
                    done = process(batch_);
                    batch_.clear();
                }
                break;
            }
        }
    }  // the role is given back here (2), with the mutex held again
    check_due_ = turn.now() + check_interval();
    lock.unlock();
    // After the role is given back (6): an answer's next request may then be written on its io
    // thread.
    complete(std::move(done));
    lock.lock();
    return Worker::Next::again();
}

void Pipeline::sort_into_writes(std::vector<Pending>& batch) {
    events_.clear();
    rejects_.clear();
    batch_keys_.clear();
    for (Pending& pending : batch) {
        RedeliveryKey const key = pending.record.redelivery_key;
        if (pending.kind == RecordKind::event && dedupe_.enabled() && key) {
            if (dedupe_.contains(key)) {
                pending.disposition = Disposition::stored_before;
            } else if (!batch_keys_.insert(key).second) {
                pending.disposition = Disposition::copy_in_batch;
            }
            if (pending.disposition != Disposition::write) {
                metrics_.add(Counter::duplicates, pending.record.summary.type_index);
                // Ids come from the delivery: log_value() keeps each one field.
                logger_->debug("redelivery not stored again: type={} session={}",
                               log_value(pending.record.summary.event_type),
                               log_value(pending.record.summary.session_id()));
                continue;
            }
        }
        auto& target = pending.kind == RecordKind::event ? events_ : rejects_;
        target.push_back(std::move(pending.record));
    }
}

std::vector<Pipeline::Done> Pipeline::process(std::vector<Pending>& batch) {
    sort_into_writes(batch);
    auto const events_ec =
        events_.empty() ? boost::system::error_code{} : write_to(event_slots_, events_);
    auto const rejects_ec =
        rejects_.empty() ? boost::system::error_code{} : write_to(rejects_slots_, rejects_);
    if (!events_ec) {
        count_stored(events_);
        for (RedeliveryKey const key : batch_keys_) {
            dedupe_.remember(key);
        }
    }
    std::vector<Done> done;
    for (Pending& pending : batch) {
        if (!pending.on_done) {
            continue;  // durability "none": answered when queued
        }
        if (done.empty()) {
            done.reserve(batch.size());
        }
        boost::system::error_code ec;
        if (pending.disposition != Disposition::stored_before) {
            // A copy in the same batch shares its first copy's fate, stored or failed.
            ec = pending.kind == RecordKind::event ? events_ec : rejects_ec;
            if (ec) {  // answered 503
                metrics_.refuse(ec == JournalErrc::full ? Refusal::journal_full : Refusal::storage);
            }
        }
        done.push_back(Done{std::move(pending.on_done), ec});
    }
    return done;
}

void Pipeline::run_completions(std::vector<Done>& done, spdlog::logger& logger) {
    // One reply that cannot be built (out of memory) must not leave the rest of the batch
    // unanswered, nor stop the io thread: that connection closes, and 8x8 delivers again.
    for (Done& each : done) {
        try {
            each.on_done(each.ec);
        } catch (std::exception const& error) {
            logger.error("reply not sent, connection closed: {}", error.what());
        }
    }
}

void Pipeline::complete(std::vector<Done> done) {
    if (done.empty()) {
        return;
    }
    if (completions_) {
        boost::asio::post(*completions_, [done = std::move(done), logger = logger_]() mutable {
            run_completions(done, *logger);
        });
    } else {
        run_completions(done, *logger_);
    }
}

boost::system::error_code Pipeline::write_to(std::vector<SlotState>& slots,
                                             std::vector<Record> const& records) {
    boost::system::error_code first_required_error;
    for (SlotState& state : slots) {
        state.writing->store(records.size(), std::memory_order_relaxed);
        auto ec = state.slot.sink->write(records);
        std::size_t taken = records.size();
        if (ec) {
            std::size_t const refused = state.slot.sink->refused().size();
            ec = state.dead_letters.take_refused(*state.slot.sink, records, ec);
            taken -= ec ? 0 : refused;  // the rest are in the dead-letter file
        }
        if (!ec && options_.durability == Durability::fsync) {
            ec = state.slot.sink->sync();
            if (!ec) {
                metrics_.add(Counter::sink_syncs, state.metrics_index);
            }
        }
        state.writing->store(0, std::memory_order_relaxed);
        if (!ec) {
            metrics_.add(Counter::sink_written, state.metrics_index, taken);
        }
        note_outcome(state, ec);
        if (ec && state.slot.required && !first_required_error) {
            first_required_error = ec;
        }
    }
    return first_required_error;
}

void Pipeline::count_stored(std::vector<Record> const& events) {
    for (Record const& record : events) {
        metrics_.add(Counter::events, record.summary.type_index);
    }
}

void Pipeline::note_outcome(SlotState& state, boost::system::error_code ec) {
    if (ec) {
        metrics_.add(Counter::sink_errors, state.metrics_index);
    }
    std::uint64_t const dropped = state.slot.sink->dropped();
    if (dropped != state.dropped_seen) {
        metrics_.add(Counter::sink_dropped, state.metrics_index, dropped - state.dropped_seen);
        state.dropped_seen = dropped;
    }
    bool const failing = static_cast<bool>(ec);
    if (failing == state.failing) {
        return;
    }
    state.failing = failing;
    state.failing_shown->store(failing, std::memory_order_relaxed);
    failing_.fetch_add(failing ? 1 : -1, std::memory_order_relaxed);
    if (failing) {
        logger_->error("sink failed: {}: {}; {}", state.slot.sink->name(), ec.message(),
                       state.slot.required ? "deliveries are answered 503 until it recovers"
                                           : "it is best-effort, so deliveries are still answered");
    } else {
        logger_->info("sink recovered: {}", state.slot.sink->name());
    }
}

void Pipeline::reopen_all() {
    for (auto* slots : {&event_slots_, &rejects_slots_}) {
        for (SlotState& state : *slots) {
            // A file that opens again is taken as working again; a full disk shows on the
            // next write.
            note_outcome(state, state.slot.sink->reopen());
        }
    }
    logger_->info("reopened every sink");
}

void Pipeline::check_all() {
    for (auto* slots : {&event_slots_, &rejects_slots_}) {
        for (SlotState& state : *slots) {
            if (!state.failing) {
                if (auto ec = state.slot.sink->check()) {
                    note_outcome(state, ec);
                }
            }
        }
    }
}

void Pipeline::try_recover_all() {
    for (auto* slots : {&event_slots_, &rejects_slots_}) {
        for (SlotState& state : *slots) {
            if ((state.failing || !state.slot.sink->reachable()) &&
                state.slot.sink->try_recover()) {
                note_outcome(state, {});
            }
        }
    }
}

void Pipeline::close_all() {
    for (auto* slots : {&event_slots_, &rejects_slots_}) {
        for (SlotState& state : *slots) {
            if (auto ec = state.slot.sink->sync()) {
                logger_->error("sink sync at shutdown failed: {}: {}", state.slot.sink->name(),
                               ec.message());
            }
            state.slot.sink->close();
        }
    }
}

}  // namespace callsink
