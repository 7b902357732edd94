// A WaitClock (base/wait_clock.hpp) that moves only when a test advances it, so a test steps a
// worker through its deadlines (a retry after a second, a check after five) without sleeping, and
// knows that nothing due later has happened. advance() wakes every worker made with it, holding
// that worker's mutex, so a worker that looked at the time just before cannot miss the move.
//
// Since advance() wakes every waiter whatever its deadline, a worker that waited for the wrong
// deadline, or for none, would still step when the test advances. So the clock also tells what it
// was asked: last_deadline(), and waiting(), the threads blocked in wait_until() that no advance()
// has woken yet. A test waits until the worker is blocked again (wait_until_waiting()) before it
// advances or asserts, so "not before the deadline" is shown by a worker that looked at the time
// and went back to waiting, not by one that had not run yet.
// Thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "callsink/base/wait_clock.hpp"

namespace callsink::testing {

class ManualClock final : public WaitClock {
  public:
    time_point now() const override { return time_point(duration(now_.load())); }

    void wait_until(std::condition_variable& wake, std::unique_lock<std::mutex>& lock,
                    time_point deadline) override {
        std::uint64_t advances = 0;
        {
            // The time is read and the thread counted under one lock that advance() moves the
            // time under: a waiter is either counted before a move (and woken by it) or sees it.
            std::lock_guard state(state_mutex_);
            last_deadline_ = deadline;
            if (now() >= deadline) {
                return;
            }
            ++waiting_;
            advances = advances_;
        }
        waiting_changed_.notify_all();
        wake.wait(lock);  // until advance(), or anything else, notifies
        std::lock_guard state(state_mutex_);
        if (advances_ == advances) {
            --waiting_;  // woken by something else (wake(), stop()): advance() did not count it off
        }
    }

    void attach(std::mutex& mutex, std::condition_variable& wake) override {
        std::lock_guard lock(mutex_);
        waiters_.push_back({&mutex, &wake});
    }

    void detach(std::condition_variable& wake) override {
        std::lock_guard lock(mutex_);
        std::erase_if(waiters_, [&wake](Waiter const& waiter) { return waiter.wake == &wake; });
    }

    void advance(duration by) {
        {
            std::lock_guard state(state_mutex_);
            now_ += by.count();
            ++advances_;
            waiting_ = 0;  // every waiter is woken below
        }
        std::lock_guard lock(mutex_);
        for (Waiter const& waiter : waiters_) {
            std::lock_guard waiter_lock(*waiter.mutex);
            waiter.wake->notify_all();
        }
    }

    // The threads blocked in wait_until() now that no advance() has woken yet.
    std::size_t waiting() const {
        std::lock_guard state(state_mutex_);
        return waiting_;
    }

    // Until waiting() is at least `threads`, for at most five seconds; false if it did not get
    // there. Once true, an advance() reaches those threads in their wait.
    bool wait_until_waiting(std::size_t threads = 1) {
        std::unique_lock state(state_mutex_);
        return waiting_changed_.wait_for(state, std::chrono::seconds(5),
                                         [&] { return waiting_ >= threads; });
    }

    // The deadline of the last call to wait_until(), whether it blocked or was already past.
    time_point last_deadline() const {
        std::lock_guard state(state_mutex_);
        return last_deadline_;
    }

  private:
    struct Waiter {
        std::mutex* mutex;
        std::condition_variable* wake;
    };

    std::atomic<duration::rep> now_{0};
    std::mutex mutex_;  // guards waiters_; taken before any waiter's mutex
    std::vector<Waiter> waiters_;
    // Guards what wait_until() was asked; taken last (under a waiter's mutex), nothing under it.
    mutable std::mutex state_mutex_;
    std::condition_variable waiting_changed_;
    std::size_t waiting_ = 0;
    std::uint64_t advances_ = 0;
    time_point last_deadline_{};
};

}  // namespace callsink::testing
