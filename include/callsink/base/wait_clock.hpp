// The time a background worker (base/worker.hpp) reads and waits by: a deadline for a retry, a
// health check, the bound on a stop. The daemon uses steady(), std::chrono::steady_clock. A test
// gives a clock it moves by hand (tests/support/manual_clock.hpp) and advances it past a deadline
// instead of sleeping through it, so what happens at the deadline, and what does not happen before
// it, is decided by the test and not by how busy the machine is.
//
// A clock that moves by hand must wake whoever waits on it when it moves: a worker attaches its
// mutex and condition variables when it is made and detaches them when it is destroyed, and the
// clock notifies each, under its mutex, as it advances. Threading: now() and wait_until() from any
// thread; attach() and detach() never with a worker's mutex held (a moving clock takes its own
// lock first, then each worker's).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace callsink {

class WaitClock {
  public:
    using time_point = std::chrono::steady_clock::time_point;
    using duration = std::chrono::steady_clock::duration;

    virtual ~WaitClock() = default;

    virtual time_point now() const = 0;

    // With `lock` held: waits on `wake` until notified or until `deadline` on this clock. It may
    // return early (spuriously, as a condition variable may): the caller looks at its state again.
    virtual void wait_until(std::condition_variable& wake, std::unique_lock<std::mutex>& lock,
                            time_point deadline) = 0;

    // Only a clock moved by hand needs these: it notifies `wake`, holding `mutex`, when it moves.
    virtual void attach(std::mutex& /*mutex*/, std::condition_variable& /*wake*/) {}
    virtual void detach(std::condition_variable& /*wake*/) {}

    // std::chrono::steady_clock; stateless, shared by every worker, and never destroyed, so a
    // worker's thread that outlives main() may still use it.
    static WaitClock& steady();
};

}  // namespace callsink
