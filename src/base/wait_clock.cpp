#include "callsink/base/wait_clock.hpp"

namespace callsink {

namespace {

class SteadyClock final : public WaitClock {
  public:
    time_point now() const override { return std::chrono::steady_clock::now(); }

    void wait_until(std::condition_variable& wake, std::unique_lock<std::mutex>& lock,
                    time_point deadline) override {
        wake.wait_until(lock, deadline);
    }
};

}  // namespace

WaitClock& WaitClock::steady() {
    // No state: every worker may share it. Never destroyed: a worker's thread abandoned by a
    // bounded stop may end during static destruction, and it still waits on and detaches from it.
    static auto* const clock = new SteadyClock;
    return *clock;
}

}  // namespace callsink
