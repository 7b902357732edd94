#include "callsink/request_ids.hpp"

#include <cstdio>
#include <random>

namespace callsink {

RequestIds::RequestIds(std::uint32_t prefix) : prefix_(prefix) {}

RequestIds RequestIds::random() {
    std::random_device device;
    return RequestIds(static_cast<std::uint32_t>(device()));
}

std::string RequestIds::next() {
    std::uint64_t const n = counter_.fetch_add(1, std::memory_order_relaxed) + 1;
    char text[24];
    std::snprintf(text, sizeof text, "%08x-%012llx", prefix_,
                  static_cast<unsigned long long>(n & 0xffff'ffff'ffffULL));
    return text;
}

}  // namespace callsink
