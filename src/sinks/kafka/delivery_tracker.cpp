#include "callsink/sinks/kafka/delivery_tracker.hpp"

namespace callsink {

DeliveryTracker::DeliveryTracker(WaitClock& clock) : clock_(clock) {
    clock_.attach(mutex_, settled_);
}

DeliveryTracker::~DeliveryTracker() {
    clock_.detach(settled_);
}

void* DeliveryTracker::tag(std::uint64_t batch, std::size_t message) {
    return reinterpret_cast<void*>(static_cast<std::uintptr_t>(batch << 24 | message));
}

DeliveryTracker::Report DeliveryTracker::report_of(void const* tag, rd_kafka_resp_err_t error) {
    auto const bits = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(tag));
    return {bits >> 24, error, static_cast<std::size_t>(bits & (kMaxMessages - 1))};
}

std::uint64_t DeliveryTracker::begin(std::size_t messages) {
    std::lock_guard lock(mutex_);
    pending_ = messages;
    first_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;
    failures_.clear();
    return ++batch_;
}

std::vector<DeliveryTracker::Report> DeliveryTracker::failures() {
    std::lock_guard lock(mutex_);
    return failures_;
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
            if (each.error != RD_KAFKA_RESP_ERR_NO_ERROR) {
                if (first_error_ == RD_KAFKA_RESP_ERR_NO_ERROR) {
                    first_error_ = each.error;
                }
                failures_.push_back(each);
            }
            settled = --pending_ == 0;
        }
    }
    if (settled) {
        settled_.notify_one();  // one writer waits
    }
}

void DeliveryTracker::report(std::uint64_t batch, rd_kafka_resp_err_t error, std::size_t message) {
    Report const one{batch, error, message};
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
