#include "callsink/sinks/kafka/delivery_tracker.hpp"

namespace callsink {

DeliveryTracker::DeliveryTracker(WaitClock& clock) : clock_(clock) {
    clock_.attach(mutex_, settled_);
}

DeliveryTracker::~DeliveryTracker() {
    clock_.detach(settled_);
}

std::uint64_t DeliveryTracker::begin(std::size_t messages) {
    std::lock_guard lock(mutex_);
    pending_ = messages;
    first_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;
    return ++batch_;
}

void DeliveryTracker::report(std::span<Report const> reports) {
    bool settled = false;
    {
        std::lock_guard lock(mutex_);
        for (Report const& each : reports) {
            // Another batch's (one given up on), or more reports than messages: not counted.
            if (each.batch != batch_ || pending_ == 0) {
                continue;
            }
            if (each.error != RD_KAFKA_RESP_ERR_NO_ERROR &&
                first_error_ == RD_KAFKA_RESP_ERR_NO_ERROR) {
                first_error_ = each.error;
            }
            settled = --pending_ == 0;
        }
    }
    if (settled) {
        settled_.notify_one();  // one writer waits
    }
}

void DeliveryTracker::report(std::uint64_t batch, rd_kafka_resp_err_t error) {
    Report const one{batch, error};
    report(std::span(&one, 1));
}

std::optional<rd_kafka_resp_err_t> DeliveryTracker::wait_until(TimePoint deadline) {
    std::unique_lock lock(mutex_);
    while (pending_ > 0) {
        if (clock_.now() >= deadline) {
            return std::nullopt;
        }
        clock_.wait_until(settled_, lock, deadline);
    }
    return first_error_;
}

}  // namespace callsink
