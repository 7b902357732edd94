// A background thread that does its owner's work one step at a time: callsink's one
// queue-and-thread loop, which the pipeline's writer, BufferedSink's thread and the Kafka sink's
// poller use, and any later background worker should.
//
// The owner keeps the state the thread works from (a queue, flags, deadlines) under the worker's
// mutex(), and gives start() a step. The thread calls the step with that mutex held. The step
// looks at the state and decides, in one place: it does the work (unlocking around anything slow,
// and holding the mutex again when it returns), or it says what to wait for: wake(), a deadline
// on the worker's clock, or both. Because the decision is made under the mutex that every other
// thread changes the state under, and they call wake() after the change, no change between the
// decision and the wait is missed. A step that returns without the mutex held broke that (a wake()
// between its decision and the wait would be lost): the thread ends the process with a message, in
// every build. The thread may also wake without cause; the step then decides again, so it must
// only act on what the state says.
//
// stop() sets stopping(), wakes the thread, calls the interrupt given to start() (for a step that
// blocks where a condition variable cannot reach it, such as a librdkafka queue) and waits for the
// thread to end, which it does once a step returns Next::end(): a step ends when it has done what
// stopping means for it (a drain, a close). stop() waits without bound, or for at most a bound: a
// thread still running then (a destination blocked in write(2)) is abandoned, detached, and keeps
// the worker's shared state, and what its step holds (take the owner's state by shared_ptr), alive
// until it returns.
//
// The clock is injectable (base/wait_clock.hpp): a test gives a clock it moves by hand and
// advances it through a deadline instead of sleeping, and the step's deadlines use now(). The
// clock must outlive the Worker and, for a bounded stop, the thread too: an abandoned thread still
// waits on it and detaches from it as it ends, and nothing the Worker owns keeps the clock alive.
// WaitClock::steady() is never destroyed, so a thread that ends during static destruction may
// still use it.
//
// Threading: start() and stop() from the owner's thread (stop() more than once is harmless);
// mutex(), wake() and now() from any thread; stopping() with the mutex held.
//
// A worker that sends elsewhere fits the same step. A journal forwarder, say: under the mutex,
// stopping() -> end (the position is saved after each batch, so nothing is lost); a retry not yet
// due -> Next::wait_until(retry_at); nothing past the saved position -> Next::wait() (whoever
// appends to the journal calls wake()); else unlock, read a batch from the position and send it,
// lock, and save the new position, or set retry_at = now() + the next backoff, and Next::again().
// Its tests advance a manual clock through the backoff; a send stuck past stop()'s bound is
// abandoned, or ended at once by an interrupt that shuts its socket down.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "callsink/base/move_only_function.hpp"
#include "callsink/base/wait_clock.hpp"

namespace callsink {

class Worker {
    struct Shared;

  public:
    using Lock = std::unique_lock<std::mutex>;
    using TimePoint = WaitClock::time_point;

    // What the thread does after a step.
    class Next {
      public:
        static Next again() { return Next(Kind::again, {}); }  // calls the step again at once
        static Next wait() { return Next(Kind::wait, {}); }    // until wake() or stop()
        // Until wake() or stop(), or until `deadline` on the worker's clock.
        static Next wait_until(TimePoint deadline) { return Next(Kind::wait_until, deadline); }
        static Next end() { return Next(Kind::end, {}); }  // the thread ends

      private:
        friend class Worker;
        enum class Kind { again, wait, wait_until, end };
        Next(Kind kind, TimePoint deadline) : kind_(kind), deadline_(deadline) {}
        Kind kind_;
        TimePoint deadline_;
    };

    // What a step is given: the worker's shared state, not the Worker, which an abandoned thread
    // outlives.
    class Turn {
      public:
        // Held when the step is called and when it returns; the step may unlock it to work.
        Lock& lock() { return lock_; }
        bool stopping() const;  // with the lock held
        TimePoint now() const;

      private:
        friend struct Shared;
        Turn(Shared& shared, Lock& lock) : shared_(shared), lock_(lock) {}
        Shared& shared_;
        Lock& lock_;
    };

    using Step = MoveOnlyFunction<Next(Turn&)>;

    // `clock` must outlive this, and any thread a bounded stop abandons (see above).
    explicit Worker(WaitClock& clock = WaitClock::steady());
    ~Worker();  // stop(), without bound
    Worker(Worker const&) = delete;
    Worker& operator=(Worker const&) = delete;

    // Starts the thread, which calls `step` until it returns Next::end(). `interrupt`, when
    // given, is called by stop() while the thread runs, after stopping() turned true.
    void start(Step step, MoveOnlyFunction<void()> interrupt = {});

    // Guards the owner's state as well as the worker's. Inline, as stopping() and wake(): an owner
    // may take it for every record.
    std::mutex& mutex() const { return shared_->mutex; }
    bool stopping() const { return shared_->stopping; }  // with mutex() held

    // Has the thread step again. With or without mutex() held.
    void wake() { shared_->wake.notify_one(); }

    TimePoint now() const;

    // Asks the thread to end and waits for it: without `bound`, until it ends; with one, for at
    // most that long on the worker's clock, then abandons it. True when the thread ended (or never
    // started), false when it was abandoned, now or by an earlier call.
    bool stop(std::optional<WaitClock::duration> bound = std::nullopt);

  private:
    // Owned by the Worker and by its thread together, so an abandoned thread keeps what it uses.
    struct Shared {
        explicit Shared(WaitClock& wait_clock);
        ~Shared();
        Shared(Shared const&) = delete;
        Shared& operator=(Shared const&) = delete;

        void run();  // the thread

        WaitClock& clock;
        mutable std::mutex mutex;
        std::condition_variable wake;           // the thread waits on it
        std::condition_variable ended_changed;  // stop() waits on it
        bool stopping = false;                  // guarded by mutex
        bool ended = false;                     // guarded by mutex
        Step step;                              // the thread's once started
    };

    std::shared_ptr<Shared> shared_;
    MoveOnlyFunction<void()> interrupt_;
    std::thread thread_;
    bool abandoned_ = false;
};

}  // namespace callsink
