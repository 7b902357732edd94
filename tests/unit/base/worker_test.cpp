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
#include <utility>
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

TEST(WorkerTest, WaitsOnItsClockForTheStepsDeadlineAndStepsOnceEachTimeTheClockMoves) {
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
    // The clock wakes every waiter when it moves, whatever it waits for: what shows that the
    // worker waits for the step's deadline, on its clock, is what the clock was asked, and that
    // each move is followed by one step and a wait again (a worker that spun would step more).
    ASSERT_TRUE(clock.wait_until_waiting());
    EXPECT_EQ(clock.last_deadline(), deadline);
    std::unique_lock lock(worker.mutex());
    EXPECT_EQ(seen.steps, 1);
    lock.unlock();
    clock.advance(999ms);
    ASSERT_TRUE(clock.wait_until_waiting());
    EXPECT_EQ(clock.last_deadline(), deadline);
    lock.lock();
    EXPECT_EQ(seen.steps, 2);
    EXPECT_EQ(last_seen, deadline - 1ms);
    EXPECT_FALSE(due);
    lock.unlock();
    clock.advance(1ms);
    lock.lock();
    ASSERT_TRUE(seen.wait_for(lock, [&] { return due; }));
    EXPECT_EQ(seen.steps, 3);
    lock.unlock();
    EXPECT_TRUE(worker.stop());
    EXPECT_EQ(seen.steps, 4);  // the one that ends: none came between, waiting without a deadline
}

TEST(WorkerTest, OnTheSteadyClockADeadlineIsReachedByWaitingForIt) {
    Worker worker;  // WaitClock::steady()
    auto const deadline = worker.now() + 20ms;
    bool due = false;
    Seen seen;
    worker.start([&](Worker::Turn& turn) {
        ++seen.steps;
        if (turn.stopping()) {
            return Worker::Next::end();
        }
        due = turn.now() >= deadline;
        seen.changed.notify_all();
        return due ? Worker::Next::wait() : Worker::Next::wait_until(deadline);
    });
    std::unique_lock lock(worker.mutex());
    ASSERT_TRUE(seen.wait_for(lock, [&] { return due; }));
    // The first step and the one at the deadline, and room for one early return (a condition
    // variable may wake spuriously). A clock that did not wait would have stepped thousands of
    // times in 20 ms; one that waited for wake() alone would not have got here.
    EXPECT_LE(seen.steps, 3);
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
    auto const interrupt = [&] {
        {
            std::lock_guard lock(outside_mutex);
            interrupted = true;
        }
        outside.notify_all();
    };
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
        interrupt);
    ASSERT_EQ(blocked.get_future().wait_for(5s), std::future_status::ready);
    // On a thread of its own: without the interrupt, stop() would wait forever, and the test
    // lets the step go itself so that it fails instead of hanging.
    auto stopped = std::async(std::launch::async, [&] { return worker.stop(); });
    bool const stopped_in_time = stopped.wait_for(5s) == std::future_status::ready;
    if (!stopped_in_time) {
        interrupt();
    }
    EXPECT_TRUE(stopped_in_time) << "stop() did not call the interrupt";
    EXPECT_TRUE(stopped.get());
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
        ASSERT_EQ(blocked.get_future().wait_for(5s), std::future_status::ready);
        EXPECT_FALSE(worker.stop(20ms));
        EXPECT_FALSE(worker.stop(20ms));  // still abandoned; nothing to wait for again
        // The Worker goes now; its thread still runs.
    }
    release.set_value();
    // The thread returned and let go of the step's state.
    EXPECT_EQ(freed.wait_for(5s), std::future_status::ready);
}

// Death tests are run first (their suite's name says so) and in a process of their own, started
// afresh: the other tests' threads are not forked with it.
TEST(WorkerDeathTest, AStepThatReturnsWithoutItsLockEndsTheProcess) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            Worker worker;
            worker.start([first = true](Worker::Turn& turn) mutable {
                if (!std::exchange(first, false)) {
                    return Worker::Next::end();
                }
                // Decided without the mutex: a wake() between here and the wait would be lost.
                turn.lock().unlock();
                return Worker::Next::wait();
            });
            worker.stop(5s);  // bounded: a worker that let it pass would not hang the test
        },
        "a Worker's step returned without its lock held");
}

TEST(WorkerTest, AWorkerNeverStartedStopsAtOnce) {
    Worker worker;
    EXPECT_TRUE(worker.stop(0ms));
    std::lock_guard lock(worker.mutex());
    EXPECT_TRUE(worker.stopping());
}

}  // namespace
}  // namespace callsink
