// Reads back what a postgres sink stored, for commands run by hand, through libpq: one session's
// record texts, in the order the sink's own query gives them (session_events_sql in
// postgres_schema.hpp), with one connection and one read-only query; and which records of a batch
// are stored already, by the key the sink stores them under, so that `callsink replay` counts
// them as duplicates instead of sending them. Messages name the
// database as describe_conninfo shows it, never the connection string, which holds a password.
// Not for the hot path: failures throw.
#pragma once

#include <libpq-fe.h>

#include <boost/system/error_code.hpp>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/records/record.hpp"
#include "callsink/sinks/postgres/postgres_settings.hpp"

namespace callsink {

// Every stored record of the session, as JSON text; empty when it has none. Throws
// std::runtime_error when the database cannot be reached or the query fails (a schema the daemon
// never created, a user without SELECT on it).
std::vector<std::string> postgres_session_records(PostgresSinkOptions const& options,
                                                  std::string_view session_id);

// Which records of a batch the events table holds, on a connection of its own, kept between
// batches and made again after a failure. Used from one thread.
class PostgresStoredKeys {
  public:
    explicit PostgresStoredKeys(PostgresSinkOptions options);
    ~PostgresStoredKeys();
    PostgresStoredKeys(PostgresStoredKeys const&) = delete;
    PostgresStoredKeys& operator=(PostgresStoredKeys const&) = delete;

    // Sets stored[i] to whether batch[i] is stored (a table not made yet holds nothing). A
    // connection or query that fails is an error (the database's words are not kept: the sink's
    // own write logs them).
    boost::system::error_code find(std::span<Record const> batch, std::vector<bool>& stored);

  private:
    struct ConnectionDeleter {
        void operator()(PGconn* connection) const { PQfinish(connection); }
    };
    PostgresSinkOptions options_;
    std::string sql_;
    std::unique_ptr<PGconn, ConnectionDeleter> connection_;
};

}  // namespace callsink
