#include "callsink/records/record_identity.hpp"

#include <string>

namespace callsink {

void append_identity_value(std::string& identity, std::string_view value) {
    identity.append(1, ' ').append(std::to_string(value.size())).append(1, ':').append(value);
}

RedeliveryKey payload_redelivery_key(std::string_view event_type, std::string_view payload_text) {
    std::string identity(event_type);
    identity.append(1, ' ').append(payload_text);
    return make_redelivery_key(identity);
}

}  // namespace callsink
