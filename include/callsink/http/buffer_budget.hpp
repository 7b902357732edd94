// The memory budget for unfinished requests ([server] max_buffered_bytes). Every connection
// counts what it holds of a request not yet answered (its read buffer, the body, the reply
// waiting for a slow reader) against one limit, so a flood of large or stalled bodies is refused
// with 503 instead of growing the daemon until the OOM killer takes it, and every acknowledged
// but unflushed record with it. Holdings over kSmallHolding may use only the budget less a
// quarter; that quarter is kept for small requests, 8x8's events being about 1 KiB, so a
// well-behaved sender is still served while large bodies hold the rest.
//
// A connection holds its share through a BufferCharge, which gives it back when destroyed: a
// closed connection cannot leak budget. Any thread may take and give back; the use is one atomic.
// Refusals are counted in the metrics and logged once per burst: a warning at the first, and one
// line with their number when the use has fallen to half the budget.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "callsink/ops/metrics.hpp"

namespace callsink {

class BufferBudget {
  public:
    // A connection holding more than this is a large request and leaves the reserve alone.
    static constexpr std::size_t kSmallHolding = 64 * 1024;

    // The smallest budget that admits one request of max_body_bytes (with its header) outside
    // the reserve; a smaller one would refuse every large request. For the configuration check.
    static std::size_t smallest_limit_for(std::size_t max_body_bytes);

    BufferBudget(std::size_t limit, Metrics& metrics, std::shared_ptr<spdlog::logger> logger);
    BufferBudget(BufferBudget const&) = delete;
    BufferBudget& operator=(BufferBudget const&) = delete;

    // Takes `bytes` for a connection that then holds `holding` in all; false, with nothing
    // taken and the refusal counted, when that would pass the budget.
    [[nodiscard]] bool try_take(std::size_t bytes, std::size_t holding);
    // Takes `bytes` whatever the use: for memory a connection already holds or must write.
    void take(std::size_t bytes);
    void give_back(std::size_t bytes);

    std::size_t used() const { return used_.load(std::memory_order_relaxed); }
    std::size_t limit() const { return limit_; }

  private:
    void note_refusal();
    void note_room();

    std::size_t const limit_;
    std::size_t const large_limit_;  // what large requests may use together
    Metrics& metrics_;
    std::shared_ptr<spdlog::logger> logger_;
    std::atomic<std::size_t> used_{0};
    // The burst of refusals in progress, for the log: whether one is, when it began, how many.
    std::atomic<bool> refusing_{false};
    std::atomic<std::chrono::steady_clock::rep> burst_start_{0};
    std::atomic<std::uint64_t> burst_refusals_{0};
};

// What one connection holds of the budget; gives it all back when destroyed.
class BufferCharge {
  public:
    explicit BufferCharge(BufferBudget& budget) : budget_(budget) {}
    ~BufferCharge() { budget_.give_back(held_); }
    BufferCharge(BufferCharge const&) = delete;
    BufferCharge& operator=(BufferCharge const&) = delete;

    // Holds `total` bytes from now on; false, holding what it held before, when growing to
    // `total` would pass the budget. Shrinking always succeeds.
    [[nodiscard]] bool try_hold(std::size_t total);
    // Holds `total` whatever the budget: memory already allocated, or a reply being written.
    void hold(std::size_t total);

    std::size_t held() const { return held_; }

  private:
    BufferBudget& budget_;
    std::size_t held_ = 0;
};

}  // namespace callsink
