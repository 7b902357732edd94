// Capped exponential backoff: how long to wait before the next try after each failure in a row,
// doubling from `first` up to `max`, and back to `first` once a try succeeds. A journal forwarder
// retries a sink that is down this way: soon after a blip, no more than every `max` in a long
// outage. Not thread-safe; plain data.
#pragma once

#include <algorithm>
#include <chrono>

namespace callsink {

class Backoff {
  public:
    using duration = std::chrono::milliseconds;

    Backoff(duration first, duration max) : first_(first), max_(max) {}

    // The wait after one more failure: first, twice that, … up to max.
    duration next() {
        current_ = current_ == duration::zero() ? first_ : std::min(current_ * 2, max_);
        return current_;
    }
    // The last wait next() gave; zero since the last reset().
    duration current() const { return current_; }
    void reset() { current_ = duration::zero(); }

  private:
    duration first_;
    duration max_;
    duration current_{0};
};

}  // namespace callsink
