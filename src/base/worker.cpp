#include "callsink/base/worker.hpp"

#include <cstdio>
#include <cstdlib>

namespace callsink {

Worker::Shared::Shared(WaitClock& wait_clock) : clock(wait_clock) {
    clock.attach(mutex, wake);
    clock.attach(mutex, ended_changed);
}

Worker::Shared::~Shared() {
    clock.detach(wake);
    clock.detach(ended_changed);
}

void Worker::Shared::run() {
    Lock lock(mutex);
    Turn turn(*this, lock);
    for (;;) {
        Next const next = step(turn);
        if (!lock.owns_lock()) {
            // Its decision was made without the mutex, so a wake() between it and the wait below
            // would be lost: a bug in the step, which no build lets pass.
            std::fputs(
                "callsink: a Worker's step returned without its lock held; a step must hold "
                "turn.lock() again when it returns (base/worker.hpp)\n",
                stderr);
            std::abort();
        }
        if (next.kind_ == Next::Kind::end) {
            break;
        }
        if (next.kind_ == Next::Kind::wait) {
            wake.wait(lock);
        } else if (next.kind_ == Next::Kind::wait_until) {
            clock.wait_until(wake, lock, next.deadline_);
        }
    }
    ended = true;
    ended_changed.notify_all();
}

bool Worker::Turn::stopping() const {
    return shared_.stopping;
}

Worker::TimePoint Worker::Turn::now() const {
    return shared_.clock.now();
}

Worker::Worker(WaitClock& clock) : shared_(std::make_shared<Shared>(clock)) {}

Worker::~Worker() {
    stop();
}

void Worker::start(Step step, MoveOnlyFunction<void()> interrupt) {
    shared_->step = std::move(step);
    interrupt_ = std::move(interrupt);
    thread_ = std::thread([shared = shared_] { shared->run(); });
}

Worker::TimePoint Worker::now() const {
    return shared_->clock.now();
}

bool Worker::stop(std::optional<WaitClock::duration> bound) {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->stopping = true;
    }
    shared_->wake.notify_one();
    if (!thread_.joinable()) {
        return !abandoned_;
    }
    if (interrupt_) {
        interrupt_();
    }
    if (bound) {
        Lock lock(shared_->mutex);
        WaitClock& clock = shared_->clock;
        TimePoint const deadline = clock.now() + *bound;
        while (!shared_->ended && clock.now() < deadline) {
            clock.wait_until(shared_->ended_changed, lock, deadline);
        }
        if (!shared_->ended) {
            // Blocked somewhere stop() cannot reach: it keeps `shared_` alive until it returns.
            thread_.detach();
            abandoned_ = true;
            return false;
        }
    }
    thread_.join();
    return true;
}

}  // namespace callsink
