#include "callsink/events/rejection.hpp"

#include <stdexcept>

namespace callsink {

void throw_exception_from_error(Rejection const& rejection,
                                boost::source_location const& location) {
    std::string what(to_string(rejection.code));
    if (!rejection.field.empty()) {
        what.append(" at ").append(rejection.field);
    }
    what.append(": ").append(rejection.message);
    what.append(" (").append(location.file_name()).append(":");
    what.append(std::to_string(location.line())).append(")");
    throw std::runtime_error(what);
}

}  // namespace callsink
