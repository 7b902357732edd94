// The journal's own error codes, in a boost::system category of their own: the refusals that are
// no errno. JournalErrc::full is the one a delivery meets: the pipeline counts it as its own
// refusal reason (journal_full), and the reply is 503 with Retry-After.
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace callsink {

enum class JournalErrc {
    full = 1,  // journal.max_bytes not yet forwarded: an append waits for a forwarder to catch up
    closed,    // appended to after close()
};

boost::system::error_category const& journal_category() noexcept;

inline boost::system::error_code make_error_code(JournalErrc e) noexcept {
    return {static_cast<int>(e), journal_category()};
}

}  // namespace callsink

template <>
struct boost::system::is_error_code_enum<callsink::JournalErrc> : std::true_type {};
