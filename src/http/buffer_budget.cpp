#include "callsink/http/buffer_budget.hpp"

#include "callsink/http/session.hpp"

namespace callsink {

namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

// The part of the budget that large requests may use together; the rest is for small ones.
std::size_t large_part(std::size_t limit) {
    return limit - limit / 4;
}

}  // namespace

std::size_t BufferBudget::smallest_limit_for(std::size_t max_body_bytes) {
    std::size_t const one_request = max_body_bytes + Session::kReadBufferLimit;
    // The least limit with large_part(limit) = limit - floor(limit / 4) >= one_request: a third
    // of one_request - 1 more (rounded down), as limit / 4 rounds down. For one_request = 3k,
    // 3k + 1 and 3k + 2 that is 4k - 1, 4k + 1 and 4k + 2.
    return one_request + (one_request - 1) / 3;
}

BufferBudget::BufferBudget(std::size_t limit, Metrics& metrics,
                           std::shared_ptr<spdlog::logger> logger)
    : limit_(limit),
      large_limit_(large_part(limit)),
      metrics_(metrics),
      logger_(std::move(logger)) {}

bool BufferBudget::try_take(std::size_t bytes, std::size_t holding) {
    std::size_t const limit = holding > kSmallHolding ? large_limit_ : limit_;
    std::size_t used = used_.load(kRelaxed);
    do {
        if (bytes > limit || used > limit - bytes) {
            note_refusal();
            return false;
        }
    } while (!used_.compare_exchange_weak(used, used + bytes, kRelaxed));
    return true;
}

void BufferBudget::take(std::size_t bytes) {
    used_.fetch_add(bytes, kRelaxed);
}

void BufferBudget::give_back(std::size_t bytes) {
    std::size_t const used = used_.fetch_sub(bytes, kRelaxed) - bytes;
    if (refusing_.load(kRelaxed) && used <= limit_ / 2) {
        note_room();
    }
}

void BufferBudget::note_refusal() {
    metrics_.refuse(Refusal::memory);
    burst_refusals_.fetch_add(1, kRelaxed);
    if (!refusing_.exchange(true, kRelaxed)) {
        burst_start_.store(std::chrono::steady_clock::now().time_since_epoch().count(), kRelaxed);
        logger_->warn(
            "memory budget full: unfinished requests hold {} of server.max_buffered_bytes ({} "
            "bytes); refusing requests with 503 until room frees up (logged once per burst, "
            "counted in callsink_refused_total{{reason=\"memory\"}})",
            used(), limit_);
    }
}

void BufferBudget::note_room() {
    if (!refusing_.exchange(false, kRelaxed)) {
        return;  // another thread ended the burst
    }
    auto const started = std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(burst_start_.load(kRelaxed)));
    auto const lasted = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    logger_->info(
        "memory budget has room again: {} request(s) refused over {} ms; unfinished requests "
        "hold {} of {} bytes",
        burst_refusals_.exchange(0, kRelaxed), lasted.count(), used(), limit_);
}

bool BufferCharge::try_hold(std::size_t total) {
    if (total <= held_) {
        hold(total);
        return true;
    }
    if (!budget_.try_take(total - held_, total)) {
        return false;
    }
    held_ = total;
    return true;
}

void BufferCharge::hold(std::size_t total) {
    if (total > held_) {
        budget_.take(total - held_);
    } else if (total < held_) {
        budget_.give_back(held_ - total);
    }
    held_ = total;
}

}  // namespace callsink
