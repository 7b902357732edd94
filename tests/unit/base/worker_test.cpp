// Worker: a step decided under the worker's mutex; waits for wake(), a deadline on its clock, or
// stop(); a bounded stop abandons a thread still blocked. Every wait here is on an event (a
// condition variable or a future) or on a clock the test moves, never a sleep.
#include "callsink/base/worker.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

#include "manual_clock.hpp"

namespace callsink {
namespace {

using namespace std::chrono_literals;
using testing::ManualClock;

// What the steps below record, under the worker's mutex, and a way to wait for the next record.
struct Seen {
    std::condition_variable changed;
    std::vector<int> taken;
    int steps = 0;

    // With `lock` held on the worker's mutex: until `done` holds, for at most five seconds.
    template <typename Done>
    bool wait_for(std::unique_lock<std::mutex>& lock, Done done) {
        return changed.wait_for(lock, 5s, done);
    }
};

TEST(WorkerTest, TakesWhatIsQueuedUnderItsMutexInOrderUntilStopped) {
    Worker worker;
    std::vector<int> queue;  // guarded by worker.mutex()
    Seen seen;
    worker.start([&](Worker::Turn& turn) {
        ++seen.steps;
        if (queue.empty()) {
            return turn.stopping() ? Worker::Next::end() : Worker::Next::wait();
        }
        seen.taken.insert(seen.taken.end(), queue.begin(), queue.end());
        queue.clear();
        seen.changed.notify_all();
        return Worker::Next::again();
    });
    for (int i = 0; i < 3; ++i) {
        {
            std::lock_guard lock(worker.mutex());
            queue.push_back(i);
        }
        worker.wake();
    }
    {
        std::unique_lock lock(worker.mutex());
        ASSERT_TRUE(seen.wait_for(lock, [&] { return seen.taken.size() == 3; }));
        EXPECT_EQ(seen.taken, (std::vector<int>{0, 1, 2}));
        queue.push_back(3);  // not woken for: stop() finds it, and the step drains it first
    }
    EXPECT_TRUE(worker.stop());
    EXPECT_EQ(seen.taken, (std::vector<int>{0, 1, 2, 3}));
}

TEST(WorkerTest, ADeadlineIsReachedWhenItsClockIsAdvancedPastItAndNotBefore) {
    ManualClock clock;
    Worker worker(clock);
    auto const deadline = clock.now() + 1s;
    bool due = false;
    WaitClock::time_point last_seen;
    Seen seen;
    worker.start([&](Worker::Turn& turn) {
        ++seen.steps;
        last_seen = turn.now();
        due = last_seen >= deadline;
        seen.changed.notify_all();
        if (turn.stopping()) {
            return Worker::Next::end();
        }
        return due ? Worker::Next::wait() : Worker::Next::wait_until(deadline);
    });
    std::unique_lock lock(worker.mutex());
    ASSERT_TRUE(seen.wait_for(lock, [&] { return seen.steps > 0; }));
    lock.unlock();
    clock.advance(999ms);
    lock.lock();
    // The step ran after the advance (the clock wakes it), saw the time, and found it not due.
    ASSERT_TRUE(seen.wait_for(lock, [&] { return last_seen == deadline - 1ms; }));
    EXPECT_FALSE(due);
    lock.unlock();
    clock.advance(1ms);
    lock.lock();
    EXPECT_TRUE(seen.wait_for(lock, [&] { return due; }));
    lock.unlock();
    EXPECT_TRUE(worker.stop());
}

TEST(WorkerTest, StopEndsAStepThatWaitsWithoutADeadline) {
    Worker worker;
    Seen seen;
    bool saw_stopping = false;
    worker.start([&](Worker::Turn& turn) {
        ++seen.steps;
        seen.changed.notify_all();
        saw_stopping = turn.stopping();
        return saw_stopping ? Worker::Next::end() : Worker::Next::wait();
    });
    {
        std::unique_lock lock(worker.mutex());
        ASSERT_TRUE(seen.wait_for(lock, [&] { return seen.steps > 0; }));
    }
    EXPECT_TRUE(worker.stop());
    EXPECT_TRUE(saw_stopping);
    EXPECT_TRUE(worker.stop());  // twice is harmless
}

TEST(WorkerTest, StopCallsTheInterruptForAStepBlockedWhereWakeCannotReach) {
    Worker worker;
    // Stands for a library's queue that the step polls without the worker's mutex.
    std::mutex outside_mutex;
    std::condition_variable outside;
    bool interrupted = false;  // guarded by outside_mutex
    std::promise<void> blocked;
    worker.start(
        [&](Worker::Turn& turn) {
            if (turn.stopping()) {
                return Worker::Next::end();
            }
            turn.lock().unlock();
            std::unique_lock lock(outside_mutex);
            blocked.set_value();
            outside.wait(lock, [&] { return interrupted; });
            lock.unlock();
            turn.lock().lock();
            return Worker::Next::again();
        },
        [&] {
            {
                std::lock_guard lock(outside_mutex);
                interrupted = true;
            }
            outside.notify_all();
        });
    blocked.get_future().wait();
    EXPECT_TRUE(worker.stop());  // would wait forever without the interrupt
}

TEST(WorkerTest, ABoundedStopAbandonsAThreadStillBlockedAndItFreesItsStateWhenItReturns) {
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::promise<void> blocked;
    // What the step holds, as an owner's state held by shared_ptr: its end shows the thread's.
    struct State {
        std::promise<void> freed;
        ~State() { freed.set_value(); }
    };
    auto state = std::make_shared<State>();
    std::future<void> freed = state->freed.get_future();
    {
        Worker worker;
        worker.start([state, released, &blocked](Worker::Turn& turn) {
            if (turn.stopping()) {
                return Worker::Next::end();
            }
            turn.lock().unlock();
            blocked.set_value();
            released.wait();  // a destination that does not return
            turn.lock().lock();
            return Worker::Next::again();
        });
        state.reset();
        blocked.get_future().wait();
        EXPECT_FALSE(worker.stop(20ms));
        EXPECT_FALSE(worker.stop(20ms));  // still abandoned; nothing to wait for again
        // The Worker goes now; its thread still runs.
    }
    release.set_value();
    freed.wait();  // the thread returned and let go of the step's state
}

TEST(WorkerTest, AWorkerNeverStartedStopsAtOnce) {
    Worker worker;
    EXPECT_TRUE(worker.stop(0ms));
    std::lock_guard lock(worker.mutex());
    EXPECT_TRUE(worker.stopping());
}

}  // namespace
}  // namespace callsink
