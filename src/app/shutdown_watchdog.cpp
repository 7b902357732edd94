#include "callsink/app/shutdown_watchdog.hpp"

#include <cstdlib>
#include <utility>

namespace callsink {

ShutdownWatchdog::ShutdownWatchdog(spdlog::logger& logger, WaitClock& clock,
                                   std::function<void()> expire)
    : logger_(logger), expire_(std::move(expire)), worker_(clock) {}

ShutdownWatchdog::~ShutdownWatchdog() {
    disarm();
}

void ShutdownWatchdog::exit_at_once() {
    std::_Exit(1);
}

void ShutdownWatchdog::arm(std::chrono::milliseconds deadline) {
    std::lock_guard lock(arming_);
    if (armed_) {
        return;
    }
    armed_ = true;
    WaitClock::time_point const due = worker_.now() + deadline;
    worker_.start([this, due, deadline](Worker::Turn& turn) {
        if (turn.stopping()) {
            return Worker::Next::end();
        }
        if (turn.now() < due) {
            return Worker::Next::wait_until(due);
        }
        logger_.critical(
            "shutdown did not finish within {} ms (a sink is blocked); exiting now, "
            "unacknowledged deliveries will be sent again",
            deadline.count());
        logger_.flush();
        expire_();
        return Worker::Next::end();
    });
}

void ShutdownWatchdog::disarm() {
    std::lock_guard lock(arming_);
    armed_ = true;  // a later arm() is too late to matter
    worker_.stop();
}

}  // namespace callsink
