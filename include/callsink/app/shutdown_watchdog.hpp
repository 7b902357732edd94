// Ends the process if a graceful stop outlives its deadline, e.g. a required sink blocked on a
// hung disk or a pipe nobody reads. Every acknowledged record is written by then, and what is
// still queued was never acknowledged: exiting breaks no promise, hanging would.
//
// arm() starts the deadline on a Worker of its own (base/worker.hpp), so it runs whatever the io
// threads and the pipeline are blocked in; disarm() ends it once the stop finished. At the
// deadline it logs one critical line and calls `expire` (the daemon's: std::_Exit(1)). The clock
// and `expire` are injectable, so a test moves time past the deadline instead of waiting for it.
// Threading: arm() and disarm() from any thread; arm() more than once keeps the first deadline.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <functional>
#include <mutex>

#include "callsink/base/wait_clock.hpp"
#include "callsink/base/worker.hpp"

namespace callsink {

class ShutdownWatchdog {
  public:
    explicit ShutdownWatchdog(spdlog::logger& logger, WaitClock& clock = WaitClock::steady(),
                              std::function<void()> expire = exit_at_once);
    ~ShutdownWatchdog();  // disarm()
    ShutdownWatchdog(ShutdownWatchdog const&) = delete;
    ShutdownWatchdog& operator=(ShutdownWatchdog const&) = delete;

    void arm(std::chrono::milliseconds deadline);
    void disarm();

    static void exit_at_once();  // std::_Exit(1), after flushing nothing: the logger already is

  private:
    spdlog::logger& logger_;
    std::function<void()> expire_;
    std::mutex arming_;  // arm() and disarm() may come from the signal thread and main
    bool armed_ = false;
    Worker worker_;
};

}  // namespace callsink
