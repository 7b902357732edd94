#include "callsink/records/redelivery_key.hpp"

#include <random>

#include "callsink/base/siphash.hpp"

namespace callsink {
namespace {

std::uint64_t random_word(std::random_device& device) {
    std::uint64_t word = 0;
    for (int half = 0; half < 2; ++half) {
        word = (word << 32) | static_cast<std::uint32_t>(device());
    }
    return word;
}

struct SipKeys {
    SipKey high;
    SipKey low;
};

SipKeys random_keys() {
    std::random_device device;
    return SipKeys{SipKey{random_word(device), random_word(device)},
                   SipKey{random_word(device), random_word(device)}};
}

}  // namespace

// Keyed at random once per process (the dedupe window lives in memory only, so no key needs to
// outlive it): with a fixed key, a sender could compute offline eventIds whose slots cluster, and
// make every lookup on the writer thread probe through them. Immutable once initialised.
RedeliveryKey make_redelivery_key(std::string_view identity) {
    static SipKeys const keys = random_keys();
    return RedeliveryKey{siphash24(keys.high, identity), siphash24(keys.low, identity)};
}

}  // namespace callsink
