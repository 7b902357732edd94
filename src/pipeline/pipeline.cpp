#include "callsink/pipeline/pipeline.hpp"

#include <boost/asio/post.hpp>
#include <exception>

#include "callsink/base/log_text.hpp"
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
                   SinkSlot rejects_sink, std::shared_ptr<spdlog::logger> logger, Metrics& metrics)
    : options_(options),
      logger_(std::move(logger)),
      metrics_(metrics),
      dedupe_(options.dedupe_window) {
    auto const add = [this](std::vector<SlotState>& slots, SinkSlot slot, std::string name) {
        std::atomic<std::uint64_t>& writing = writing_.emplace_back(0);
        Sink const* sink = slot.sink.get();
        std::size_t const index = metrics_.add_sink(std::move(name), [&writing, sink] {
            return writing.load(std::memory_order_relaxed) + sink->in_flight();
        });
        slots.push_back(SlotState{std::move(slot), index, &writing});
    };
    for (SinkSlot& slot : event_sinks) {
        std::string name = slot.sink->name();
        add(event_slots_, std::move(slot), std::move(name));
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
    writer_ = std::thread([this] { run(); });
}

void Pipeline::submit(Record record, Completion on_done) {
    std::unique_lock lock(mutex_);
    if (stopping_) {
        lock.unlock();
        on_done(Errc::stopped);
        return;
    }
    // Bounded in records and in bytes: 65,536 deliveries of 1 MiB each is no bound at all.
    if (queue_.size() >= options_.queue_capacity ||
        queued_bytes_ + record.line.size() > kMaxQueuedBytes) {
        lock.unlock();
        on_done(Errc::queue_full);
        return;
    }
    RecordKind const kind = record.kind;
    queued_bytes_ += record.line.size();
    if (options_.durability == Durability::none) {
        queue_.push_back(Pending{kind, std::move(record), {}});
        lock.unlock();
        wake_.notify_one();
        on_done({});
        return;
    }
    queue_.push_back(Pending{kind, std::move(record), std::move(on_done)});
    if (io_thread_writes_ && role_ != Role::writer &&
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
            return;  // else that thread's flush, already posted, takes this record too
        }
    }
    // The writer takes it once it is done with its batch (or an io thread with its own), or a
    // posted flush does: waking it now would only cost a context switch.
    bool const wake = role_ == Role::free && flushes_posted_ == 0;
    lock.unlock();
    if (wake) {
        wake_.notify_one();
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

void Pipeline::write_on_io_thread(std::size_t index) noexcept {
    {
        std::unique_lock lock(mutex_);
        flush_posted_[index] = 0;
        --flushes_posted_;
        // Left to the writer thread, which was not woken for these records: where it holds the
        // role, the pipeline stops or reopens, or a sink would make this thread wait (a file due
        // to rotate, a sink that failed).
        if (role_ != Role::free || queue_.empty() || stopping_ || reopen_requested_ ||
            failing_.load(std::memory_order_relaxed) > 0 ||
            !all_write_without_waiting(queued_bytes_)) {
            lock.unlock();
            wake_.notify_one();
            return;
        }
        role_ = Role::io_thread;
        batch_.swap(queue_);
        queued_bytes_ = 0;
    }
    std::vector<Done> done = process(batch_);
    batch_.clear();
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        role_ = Role::free;
        // Records another io thread queued meanwhile without a flush of its own, or a stop.
        wake = (!queue_.empty() && flushes_posted_ == 0) || stopping_ || reopen_requested_;
    }
    if (wake) {
        wake_.notify_one();
    }
    run_completions(done, *logger_);
}

void Pipeline::reopen() {
    {
        std::lock_guard lock(mutex_);
        reopen_requested_ = true;
    }
    wake_.notify_one();
}

void Pipeline::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (writer_.joinable()) {
        writer_.join();
    }
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

std::size_t Pipeline::queue_depth() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

void Pipeline::run() {
    for (;;) {
        bool reopen = false;
        {
            std::unique_lock lock(mutex_);
            // A posted flush takes the queue, unless stop() comes before it runs.
            auto const woken = [this] {
                return role_ == Role::free && (stopping_ || reopen_requested_ ||
                                               (!queue_.empty() && flushes_posted_ == 0));
            };
            auto const unwell = [this] {
                return failing_.load(std::memory_order_relaxed) > 0 || !all_reachable();
            };
            if (!wake_.wait_for(lock, unwell() ? kRecoveryInterval : kCheckInterval, woken)) {
                if (role_ != Role::free) {
                    continue;  // an io thread is writing: that tests the sinks too
                }
                role_ = Role::writer;
                lock.unlock();
                // Asked again: a sink may have failed in an io thread's write meanwhile.
                if (unwell()) {
                    try_recover_all();
                } else {
                    check_all();
                }
                lock.lock();
                release_writer_role();
                continue;
            }
            role_ = Role::writer;
            if (queue_.size() < kSmallBatch && !stopping_) {
                // Woken by the first record of a burst. Where the io thread shares this core,
                // let it read the rest of the ready requests first: one write for all of them
                // instead of a context switch per record. On a core of its own, returns at once.
                lock.unlock();
                std::this_thread::yield();
                lock.lock();
            }
            batch_.swap(queue_);
            queued_bytes_ = 0;
            reopen = std::exchange(reopen_requested_, false);
            if (batch_.empty() && stopping_ && !reopen) {
                break;  // keeps the role: a flush that runs late finds it taken
            }
        }
        if (reopen) {
            reopen_all();
        }
        std::vector<Done> done;
        if (!batch_.empty()) {
            done = process(batch_);
            batch_.clear();
        }
        {
            std::lock_guard lock(mutex_);
            release_writer_role();
        }
        // After the role is free: an answer's next request may then be written on its io thread.
        complete(std::move(done));
    }
    close_all();
}

void Pipeline::release_writer_role() {
    // Asked while this thread still holds the role, so the sinks stand still: a file that was
    // due to rotate has rotated, a sink that failed may have recovered.
    io_thread_writes_ = io_threads_may_write();
    role_ = Role::free;
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
                metrics_.count_duplicate(pending.record.summary.type_index);
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
        if (!ec && options_.durability == Durability::fsync) {
            ec = state.slot.sink->sync();
            if (!ec) {
                metrics_.count_sink_sync(state.metrics_index);
            }
        }
        state.writing->store(0, std::memory_order_relaxed);
        if (!ec) {
            metrics_.count_sink_written(state.metrics_index, records.size());
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
        metrics_.count_event(record.summary.type_index);
    }
}

void Pipeline::note_outcome(SlotState& state, boost::system::error_code ec) {
    if (ec) {
        metrics_.count_sink_error(state.metrics_index);
    }
    std::uint64_t const dropped = state.slot.sink->dropped();
    if (dropped != state.dropped_seen) {
        metrics_.count_sink_drops(state.metrics_index, dropped - state.dropped_seen);
        state.dropped_seen = dropped;
    }
    bool const failing = static_cast<bool>(ec);
    if (failing == state.failing) {
        return;
    }
    state.failing = failing;
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
