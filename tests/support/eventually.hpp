// For tests that wait on another thread: polls a condition until it holds or a timeout passes.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace callsink::testing {

// What should happen at once is given this long, for a loaded machine.
inline constexpr std::chrono::milliseconds kTimeout{2000};

inline bool eventually(std::function<bool()> const& condition,
                       std::chrono::milliseconds timeout = kTimeout) {
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

}  // namespace callsink::testing
