#include "callsink/ingest/request_ids.hpp"

#include <random>

namespace callsink {

RequestIds::RequestIds(std::uint32_t prefix) : prefix_(prefix) {}

RequestIds RequestIds::random() {
    std::random_device device;
    return RequestIds(static_cast<std::uint32_t>(device()));
}

// Hex by hand: snprintf costs more than the rest of this once per delivery.
std::string RequestIds::next() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::uint64_t const n = counter_.fetch_add(1, std::memory_order_relaxed) + 1;
    std::string text(21, '-');
    for (int i = 0; i < 8; ++i) {
        text[static_cast<std::size_t>(7 - i)] = kHex[(prefix_ >> (4 * i)) & 0xf];
    }
    for (int i = 0; i < 12; ++i) {
        text[static_cast<std::size_t>(20 - i)] = kHex[(n >> (4 * i)) & 0xf];
    }
    return text;
}

}  // namespace callsink
