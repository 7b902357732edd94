// A WaitClock (base/wait_clock.hpp) that moves only when a test advances it, so a test steps a
// worker through its deadlines (a retry after a second, a check after five) without sleeping, and
// knows that nothing due later has happened. advance() wakes every worker made with it, holding
// that worker's mutex, so a worker that looked at the time just before cannot miss the move.
// Thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "callsink/base/wait_clock.hpp"

namespace callsink::testing {

class ManualClock final : public WaitClock {
  public:
    time_point now() const override { return time_point(duration(now_.load())); }

    void wait_until(std::condition_variable& wake, std::unique_lock<std::mutex>& lock,
                    time_point deadline) override {
        if (now() < deadline) {
            wake.wait(lock);  // until advance(), or anything else, notifies
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
        now_ += by.count();
        std::lock_guard lock(mutex_);
        for (Waiter const& waiter : waiters_) {
            std::lock_guard waiter_lock(*waiter.mutex);
            waiter.wake->notify_all();
        }
    }

  private:
    struct Waiter {
        std::mutex* mutex;
        std::condition_variable* wake;
    };

    std::atomic<duration::rep> now_{0};
    std::mutex mutex_;  // guards waiters_; taken before any waiter's mutex
    std::vector<Waiter> waiters_;
};

}  // namespace callsink::testing
