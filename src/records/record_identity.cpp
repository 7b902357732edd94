#include "callsink/records/record_identity.hpp"

#include <string>

namespace callsink {

void append_identity_value(std::string& identity, std::string_view value) {
    identity.append(1, ' ').append(std::to_string(value.size())).append(1, ':').append(value);
}

RedeliveryKey redelivery_key(std::string_view event_type, std::span<std::string_view const> values,
                             std::string_view stored_payload) {
    std::string identity(event_type);
    if (values.empty()) {
        identity.append(1, ' ').append(stored_payload);
    }
    for (std::string_view value : values) {
        append_identity_value(identity, value);
    }
    return make_redelivery_key(identity);
}

}  // namespace callsink
