#include "callsink/base/siphash.hpp"

#include <cstring>

namespace callsink {

namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int bits) {
    return (x << bits) | (x >> (64 - bits));
}

struct State {
    std::uint64_t v0, v1, v2, v3;

    void round() {
        v0 += v1;
        v1 = rotl(v1, 13);
        v1 ^= v0;
        v0 = rotl(v0, 32);
        v2 += v3;
        v3 = rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = rotl(v1, 17);
        v1 ^= v2;
        v2 = rotl(v2, 32);
    }

    void absorb(std::uint64_t m) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

// Message words are little-endian whatever the machine.
std::uint64_t load_le(unsigned char const* p, std::size_t n) {
    std::uint64_t word = 0;
    for (std::size_t i = 0; i < n; ++i) {
        word |= static_cast<std::uint64_t>(p[i]) << (8 * i);
    }
    return word;
}

}  // namespace

std::uint64_t siphash24(SipKey key, std::string_view data) {
    State s{0x736f6d6570736575ULL ^ key.k0, 0x646f72616e646f6dULL ^ key.k1,
            0x6c7967656e657261ULL ^ key.k0, 0x7465646279746573ULL ^ key.k1};
    auto const* bytes = reinterpret_cast<unsigned char const*>(data.data());
    std::size_t const whole = data.size() / 8 * 8;
    for (std::size_t i = 0; i < whole; i += 8) {
        s.absorb(load_le(bytes + i, 8));
    }
    s.absorb((static_cast<std::uint64_t>(data.size()) << 56) |
             load_le(bytes + whole, data.size() - whole));
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i) {
        s.round();
    }
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace callsink
