#include "callsink/sinks/postgres/postgres_refusal.hpp"

#include <array>

namespace callsink {
namespace {

// Outside class 22, the refusals a record's own values decide, whatever else the table holds.
constexpr std::array<std::string_view, 4> kPermanentStates{
    "23502",  // not_null_violation
    "23514",  // check_violation
    "23P01",  // exclusion_violation
    "54000",  // program_limit_exceeded: an index row too large, a value past a type's limit
};

}  // namespace

bool sqlstate_refuses_a_record(std::string_view sqlstate) {
    return sqlstate.starts_with("22") || sqlstate.starts_with("23") || sqlstate.starts_with("54");
}

bool sqlstate_refuses_for_good(std::string_view sqlstate) {
    if (sqlstate.size() != 5) {
        return false;  // no SQLSTATE: the connection, not the record
    }
    if (sqlstate.starts_with("22")) {
        return true;  // data_exception: the record's values, as the table's types read them
    }
    for (std::string_view const state : kPermanentStates) {
        if (sqlstate == state) {
            return true;
        }
    }
    return false;
}

}  // namespace callsink
