#include "callsink/records/record_identity.hpp"

#include <string>

namespace callsink {

// Each value goes in with its length, so ("a b", "c") and ("a", "b c") never meet.
RedeliveryKey redelivery_key(std::string_view event_type, std::span<std::string_view const> values,
                             std::string_view stored_payload) {
    std::string identity(event_type);
    if (values.empty()) {
        identity.append(1, ' ').append(stored_payload);
        return make_redelivery_key(identity);
    }
    for (std::string_view value : values) {
        identity.append(1, ' ').append(std::to_string(value.size())).append(1, ':').append(value);
    }
    return make_redelivery_key(identity);
}

}  // namespace callsink
