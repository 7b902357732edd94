// Issues the `received.requestId` of every delivery: unique within a process run and, through a
// random prefix chosen at start-up, across restarts and hosts. Thread-safe and lock-free.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace callsink {

class RequestIds {
  public:
    explicit RequestIds(std::uint32_t prefix);

    // A prefix from the system's random device.
    static RequestIds random();

    // "<8 hex digits of prefix>-<12 hex digits of a counter>", e.g. "5f3a9c21-00000000002a".
    std::string next();

  private:
    std::uint32_t prefix_;
    std::atomic<std::uint64_t> counter_{0};
};

}  // namespace callsink
