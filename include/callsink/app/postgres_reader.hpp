// Reads back what a postgres sink stored about one session: the record texts of its events, in
// the order the sink's own query gives them (session_events_sql in postgres_schema.hpp). One
// connection and one read-only query through libpq, for a command run by hand. Messages name the
// database as describe_conninfo shows it, never the connection string, which holds a password.
// Not for the hot path: failures throw.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "callsink/sinks/postgres/postgres_settings.hpp"

namespace callsink {

// Every stored record of the session, as JSON text; empty when it has none. Throws
// std::runtime_error when the database cannot be reached or the query fails (a schema the daemon
// never created, a user without SELECT on it).
std::vector<std::string> postgres_session_records(PostgresSinkOptions const& options,
                                                  std::string_view session_id);

}  // namespace callsink
