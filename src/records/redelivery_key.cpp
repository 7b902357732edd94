#include "callsink/records/redelivery_key.hpp"

#include <array>
#include <cstring>
#include <random>

namespace callsink {
namespace {

// Fixed for good: changing them makes every stored key different from what a new run computes,
// and downstream deduplication (Kafka consumers, the PostgreSQL events table) would store each
// redelivery of an older event again. ("callsink redelivery v1", as ASCII words.)
constexpr SipKey kHighKey{0x63616c6c73696e6bULL, 0x2072656465762031ULL};
constexpr SipKey kLowKey{0x726564656c697665ULL, 0x7279206b65792031ULL};

std::uint64_t random_word(std::random_device& device) {
    std::uint64_t word = 0;
    for (int half = 0; half < 2; ++half) {
        word = (word << 32) | static_cast<std::uint32_t>(device());
    }
    return word;
}

}  // namespace

RedeliveryKey make_redelivery_key(std::string_view identity) {
    return RedeliveryKey{siphash24(kHighKey, identity), siphash24(kLowKey, identity)};
}

std::string RedeliveryKey::hex() const {
    if (!*this) {
        return {};
    }
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string text(32, '0');
    for (int i = 0; i < 16; ++i) {
        text[static_cast<std::size_t>(15 - i)] = kDigits[(high >> (4 * i)) & 0xf];
        text[static_cast<std::size_t>(31 - i)] = kDigits[(low >> (4 * i)) & 0xf];
    }
    return text;
}

RedeliveryKey::Hash::Hash() {
    std::random_device device;
    key_ = SipKey{random_word(device), random_word(device)};
}

std::size_t RedeliveryKey::Hash::operator()(RedeliveryKey const& key) const {
    std::array<char, 16> bytes;
    std::memcpy(bytes.data(), &key.high, 8);
    std::memcpy(bytes.data() + 8, &key.low, 8);
    return siphash24(key_, std::string_view(bytes.data(), bytes.size()));
}

}  // namespace callsink
