// The one place that owns ordering, batching, durability and backpressure between the HTTP
// sessions and the sinks (docs/architecture.md, "One delivery, file by file").
//
// Sessions submit() a record with a completion and never block: a bounded queue takes it, or
// the completion runs at once with Errc::queue_full. One writer thread (or an io thread: see
// "Written on the io thread" below) takes everything queued as a batch, writes events to every
// event sink and rejections to the rejects sink, syncs when the durability asks for it (one
// fdatasync per batch shared by every delivery in it: group commit), and only then runs each
// completion with the outcome for that record. Given the io_context's executor at start(), it runs
// a batch's completions together in one handler posted there: one hand-over to the io threads per
// batch, not one per delivery. Without one (tests), they run on the writer thread. Either way the
// caller takes a completion on to its own io thread. A completion that submit() runs at once (queue
// full, stopped, durability "none") runs on the caller's thread, before submit() returns.
//
// Written on the io thread: with durability "write", where every sink writes without waiting
// (Sink::writes_without_waiting: a file's page cache, a best-effort buffer), waking the writer
// and being woken back costs more than the write itself (two context switches a delivery when
// deliveries come one at a time, a new connection each). Then a record submitted from one of the
// io threads given at start(), while no batch is being written, posts a flush to that thread's
// io_context: the requests that thread has read meanwhile join the queue, and the flush writes
// them all as one batch and runs their completions, on that thread, with no hand-over. Whoever
// writes holds the writer's role (role_), so sinks and the writer's state see one thread at a
// time, in order; the writer thread keeps every other durability, sink health and shutdown,
// and any batch while a sink fails or a file is due to rotate. The price: a disk that stalls
// write(2) stalls that io thread's connections until it returns. Signals do not wait for it:
// the daemon takes them on a thread of its own, so SIGTERM's watchdog still bounds shutdown.
//
// Redeliveries: an event whose redelivery_key is among the last `dedupe_window` stored ones, or
// appears earlier in the same batch, is answered like its first copy and not written again. A
// key is remembered only once its record is stored, so a delivery that failed (503) and is
// retried is stored, not dropped as a duplicate.
//
// A failure of a required sink fails the records of that batch (the caller answers 503); a
// best-effort sink's failure is logged and does not. A failure that is only records the sink
// refuses for good (Sink::refused) is not one once its dead-letter route has written them to the
// dead-letter file (sinks/dead_letter_file.hpp): the batch is answered 200. The journal
// (journal/journal_sink.hpp) is one more required sink here: the sinks forwarded from it are not
// the pipeline's, and a full journal's refusal is counted as journal_full, not storage. Sink
// failures and recoveries are logged once per change of state, not once per record. While a sink
// fails, or knows itself unreachable (Sink::reachable), the writer tries every second to recover it
// without a record (Sink::try_recover), so readiness comes back by itself even when no delivery
// arrives. While idle and healthy, it checks every few seconds that the sinks still work
// (Sink::check), so an outage shows on GET /readyz before a delivery meets it. Those deadlines are
// on the clock given to the constructor (a test moves it by hand).
//
// How the threads share the work. The writer thread is a Worker (base/worker.hpp): its mutex is
// the pipeline's, and each of its steps, like each io thread's flush, asks next_action() what to
// do. That one function decides, under the mutex, for the writer thread and for the io threads,
// and hands out the writer's role with the action; WriterRole gives it back. The rules, which the
// code and the tests cite by number:
//  1. One thread at a time holds the writer's role (role_): the writer thread, or an io thread
//     writing a batch. Only the holder calls a sink's write, sync, reopen, check, try_recover and
//     close, and touches the writer's state (the redelivery window, batch_, the slots' failing
//     flags); reachable(), in_flight() and dropped() are thread-safe, for any thread.
//  2. The role is taken in one place, next_action(), with the mutex held and the role free, and
//     given back in one place, WriterRole's destructor, with the mutex held. Once the writer
//     thread closes the sinks the role is never free again, so a flush that runs late writes
//     nothing.
//  3. writes_without_waiting() is asked only by the holder of the role, or with the mutex held and
//     the role free: then no thread is in a sink, so its answer (a file's size, whether it is
//     open) cannot change while it is given. next_action() looks at the role before anything else.
//  4. No queued record is left without a thread that will take it: a flush posted on an io
//     thread (flushes_posted_ > 0), which writes it or leaves it to the writer thread; the holder
//     of the role, which looks at the queue again as it gives the role back; or the writer thread,
//     woken by whoever makes writer_has_work() true (submit(), reopen(), a flush that leaves the
//     queue, the holder giving the role back).
//  5. The writer thread is woken only when it will act (writer_has_work(); stop() wakes it once),
//     or at its deadline to recover or check the sinks: a wake-up per record would cost two
//     context switches.
//  6. A completion runs exactly once, after the role is given back and without the mutex: in
//     submit() when answered at once, else on the io thread that wrote its batch, in the handler
//     posted to `completions`, or on the writer thread when there is none.
//  7. Whether io threads may write (io_thread_writes_) is asked again each time the writer thread
//     gives the role back, while the sinks still stand still (3), and read by submit() under the
//     mutex. Not after an io thread's batch, on the hot path: it could only turn the answer to no
//     (a file now due to rotate), which the next flush finds out itself (3) and then leaves the
//     queue to the writer thread, which asks.
//  8. Once stop() is called no record enters the queue (Errc::stopped); the writer thread writes
//     what is queued, a flush still posted notwithstanding, then syncs and closes the sinks.
//  9. With durability "write" where io threads may not write (a sink that waits, as Kafka or
//     PostgreSQL: io_thread_writes_ false) a record submitted on an io thread still posts the
//     flush, which then only wakes the writer thread: once for every request that thread has read
//     in the meantime, not at the first of them. Woken at once, the writer thread took batches of
//     two or three records while the io thread was still reading the rest, and a Kafka sink paid
//     its per-batch cost (the broker threads' produce requests, the wake-ups) for each: the
//     flush's wake cost 0.86x the CPU a delivery and gave 1.17x the rate. A writer thread giving
//     the role back takes what is queued at once, a posted flush notwithstanding (it would only
//     wake it). Not for "fsync": there the writer thread woken at the first record starts its
//     sync sooner, and the flush's wake measured 0.91x the rate (docs/performance.md).
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <unordered_set>
#include <vector>

#include "callsink/base/move_only_function.hpp"
#include "callsink/base/wait_clock.hpp"
#include "callsink/base/worker.hpp"
#include "callsink/ops/metrics.hpp"
#include "callsink/pipeline/dedupe_window.hpp"
#include "callsink/sinks/dead_letter_file.hpp"
#include "callsink/sinks/sink.hpp"

namespace callsink {

enum class Durability {
    none,   // answer once queued
    write,  // answer after write(2) returned
    fsync,  // answer after fdatasync
};

std::string_view to_string(Durability durability);

// [delivery] in the configuration file.
struct PipelineOptions {
    Durability durability = Durability::write;
    std::size_t queue_capacity = 65'536;  // records waiting for the writer; beyond it, 503
    std::size_t dedupe_window = 100'000;  // remembered keys of stored records; 0: off
};

class Pipeline {
  public:
    using Completion = MoveOnlyFunction<void(boost::system::error_code)>;
    using CompletionExecutor = boost::asio::io_context::executor_type;

    // `clock`: what the writer's deadlines (recovery, checks) are read on; it must outlive this.
    // `dead_letters[i]`: where event_sinks[i]'s refusals for good go (none past its end).
    Pipeline(PipelineOptions options, std::vector<SinkSlot> event_sinks, SinkSlot rejects_sink,
             std::shared_ptr<spdlog::logger> logger, Metrics& metrics,
             WaitClock& clock = WaitClock::steady(),
             std::vector<DeadLetterRoute> dead_letters = {});
    ~Pipeline();
    Pipeline(Pipeline const&) = delete;
    Pipeline& operator=(Pipeline const&) = delete;

    // Starts the writer. `completions`, when given, is where it posts each batch's completions:
    // its io_context must outlive stop(), and run until every posted batch has run (something
    // the caller owns, such as a work guard per waiting session, keeps it from running out).
    // `io_threads`: the executors of the io_contexts whose threads may write a batch themselves
    // (see above); the same rules hold for them (a posted flush holds `this`), except that a
    // flush still posted when stop() comes is left to the writer thread: stop() does not wait
    // for it to run.
    void start(std::optional<CompletionExecutor> completions = std::nullopt,
               std::vector<CompletionExecutor> io_threads = {});

    // Thread-safe, never blocks on I/O (a flush it posts writes later, on the io thread).
    // `on_done` runs exactly once.
    void submit(Record record, Completion on_done);

    // Asks the writer to reopen every sink between two batches (SIGHUP, after logrotate).
    void reopen();

    // Stops taking records, writes and syncs what is queued (once an io thread writing a batch
    // is done), closes the sinks, joins the writer.
    void stop();

    // True while no sink, required or best-effort, is failing or knows itself unreachable
    // (GET /readyz). Any thread.
    bool ready() const;

    std::size_t queue_depth() const;

  private:
    enum class Disposition { write, stored_before, copy_in_batch };
    struct Pending {
        RecordKind kind;
        Record record;
        Completion on_done;
        Disposition disposition = Disposition::write;
    };
    struct Done {
        Completion on_done;
        boost::system::error_code ec;
    };
    struct SlotState {
        SinkSlot slot;
        std::size_t metrics_index;
        std::atomic<std::uint64_t>* writing;  // records in its write() now, for /metrics
        std::atomic<bool>* failing_shown;     // `failing`, for /metrics (callsink_sink_up)
        DeadLetterRoute dead_letters;
        bool failing = false;
        std::uint64_t dropped_seen = 0;
    };

    // Who holds the writer's role now (invariant 1); closed: the sinks are closed, for good (2).
    enum class Role { free, writer, io_thread, closed };
    // Who asks next_action(): the writer thread, or an io thread's posted flush.
    enum class Asker { writer, io_thread };
    enum class Action {
        none,         // nothing for the asker: the writer thread waits, a flush returns
        write,        // the queue, as one batch (the writer thread reopens first if asked)
        check_sinks,  // writer thread, at its deadline: recover what fails, else check the rest
        close,        // writer thread: stopping and nothing left; close the sinks and end
    };

    // The writer's role, held (invariant 1). Made only by next_action() (2); its destructor gives
    // the role back with the mutex held, taking `lock` again if the holder let it go, asks again
    // whether io threads may write when the holder is the writer thread (7), and wakes the writer
    // thread if it has work then (4).
    class WriterRole {
      public:
        WriterRole() = default;  // not held
        WriterRole(WriterRole&& other) noexcept;
        WriterRole& operator=(WriterRole&&) = delete;
        ~WriterRole();

      private:
        friend class Pipeline;
        WriterRole(Pipeline& pipeline, Worker::Lock& lock, Role role);
        Pipeline* pipeline_ = nullptr;
        Worker::Lock* lock_ = nullptr;
    };

    // What next_action() decided, and the role to do it with (held for write and check_sinks).
    struct Decision {
        Action action;
        WriterRole role;
    };

    // With the mutex held: what `asker` does next (invariants 2 to 5).
    Decision next_action(Asker asker, Worker::Lock& lock);
    // With the mutex held: whether the writer thread would act now, deadlines aside (4, 5).
    bool writer_has_work() const;
    Worker::Next writer_step(Worker::Turn& turn);
    // noexcept: as on the writer thread, an exception (out of memory) ends the process, rather
    // than leave the role taken and the batch unanswered.
    void write_on_io_thread(std::size_t index) noexcept;
    std::optional<std::size_t> this_io_thread() const;  // its index in io_threads_
    bool io_threads_may_write() const;
    bool all_write_without_waiting(std::size_t bytes) const;
    void take_queue();  // into batch_, with the mutex and the role held
    bool unwell() const;
    std::chrono::seconds check_interval() const;
    std::vector<Done> process(std::vector<Pending>& batch);
    void complete(std::vector<Done> done);
    static void run_completions(std::vector<Done>& done, spdlog::logger& logger);
    void sort_into_writes(std::vector<Pending>& batch);
    boost::system::error_code write_to(std::vector<SlotState>& slots,
                                       std::vector<Record> const& records);
    void note_outcome(SlotState& state, boost::system::error_code ec);
    void count_stored(std::vector<Record> const& events);
    void reopen_all();
    void try_recover_all();
    void check_all();
    bool all_reachable() const;
    void close_all();

    PipelineOptions options_;
    std::vector<SlotState> event_slots_;
    std::vector<SlotState> rejects_slots_;            // one slot; a vector so write_to serves both
    std::deque<std::atomic<std::uint64_t>> writing_;  // one per slot; a deque: atomics stay put
    std::deque<std::atomic<bool>> failing_shown_;     // one per slot, likewise
    std::shared_ptr<spdlog::logger> logger_;

    // The writer thread; its mutex guards what follows, to io_thread_writes_, and stopping().
    Worker worker_;
    std::vector<Pending> queue_;
    std::size_t queued_bytes_ = 0;  // of the records in queue_
    bool reopen_requested_ = false;
    Role role_ = Role::free;
    // Per io thread: a flush it posted will take the queue.
    std::vector<char> flush_posted_;
    std::size_t flushes_posted_ = 0;
    bool io_thread_writes_ = false;  // durability "write", and every sink could, last time asked
    std::vector<CompletionExecutor> io_threads_;  // set before the writer starts

    std::atomic<int> failing_{0};  // sinks whose last write, reopen or recovery failed
    Metrics& metrics_;
    // The writer's state: only the thread in the writer's role touches it (invariant 1).
    DedupeWindow dedupe_;
    std::unordered_set<RedeliveryKey, RedeliveryKey::Hash> batch_keys_;  // reused
    std::vector<Pending> batch_;                                         // reused
    std::vector<Record> events_;                                         // reused
    std::vector<Record> rejects_;
    std::optional<CompletionExecutor> completions_;  // set before the writer starts
    // The writer thread's next recovery or check.
    WaitClock::time_point check_due_;
};

}  // namespace callsink
