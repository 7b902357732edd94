// callsink's own error codes, in a boost::system error category of their own, for the failures
// that are not an errno: the ones a reply of 503 reports.
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace callsink {

enum class Errc {
    queue_full = 1,  // the writer is behind: more records wait than delivery.queue_capacity
    stopped,         // the daemon is shutting down and takes no more records
};

boost::system::error_category const& error_category() noexcept;

inline boost::system::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace callsink

template <>
struct boost::system::is_error_code_enum<callsink::Errc> : std::true_type {};
