// The 8x8 wrapper around every webhook: the same three fields on every page in shared/seeds/.
// `payload` is read by parse.cpp and written by record.cpp, since its type depends on eventType.
#pragma once

#include "callsink/events/fields.hpp"

namespace callsink {

inline void visit_fields(Matching<Envelope> auto& envelope, auto& fields) {
    fields.optional("namespace", envelope.namespace_name);
    fields.required("eventType", envelope.event_type);
    fields.optional("description", envelope.description);
}

}  // namespace callsink
