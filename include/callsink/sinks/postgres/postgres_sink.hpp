// A sink that stores each batch in PostgreSQL (libpq), and returns from write() only after its
// transaction is committed: the pipeline answers 200 then, or 503 with Retry-After when the
// database is down, slow past delivery_timeout_ms (connect, TCP and statement timeouts all derive
// from it) or refuses a record. The tables and their versions are in postgres_schema.hpp.
//
// A batch is one statement, prepared once per connection, with the batch's columns as arrays:
// one round trip, and its own transaction (committed before the server answers; the trigger that
// updates the sessions runs inside it). Its rows go in the order of their redelivery keys, and
// the trigger takes the sessions' rows in the order of their ids, so replicas storing the same
// events or sessions at once wait for each other instead of deadlocking.
//
// What jsonb cannot hold as it is (\u0000) is stored with a stand-in in `record` and exactly in
// `record_text` (jsonb_copy.hpp). One record that PostgreSQL still refuses (a check an operator
// added, say) does not take the batch's other records with it: the batch is stored again in one
// transaction, halves under savepoints, halving again where one fails, down to the records refused
// alone. Those refused for good (postgres_refusal.hpp) are named by refused(), for the dead-letter
// file; any other is logged with its key and the batch is answered 503 (its other rows are
// committed, and a retry finds them stored).
//
// The connection is made at start, where a schema newer than this build is an error; a database
// that cannot be reached then is only logged, and the sink connects again on each write and every
// second while failing (try_recover). The connection string is never logged: the sink is named
// by host, port and database. Used from one thread (the pipeline's writer); reachable() from any.
#pragma once

#include <libpq-fe.h>
#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "callsink/sinks/postgres/binary_array.hpp"
#include "callsink/sinks/postgres/postgres_settings.hpp"
#include "callsink/sinks/sink.hpp"

namespace callsink {

// What went wrong, as an error_code for the 503's message; the database's own words go to the log.
enum class PostgresErrc {
    connection_failed = 1,
    statement_failed,
    records_refused,
    schema_too_new,
};
boost::system::error_category const& postgres_category();
boost::system::error_code make_error_code(PostgresErrc errc);

class PostgresSink final : public Sink {
  public:
    PostgresSink(PostgresSinkOptions options, std::shared_ptr<spdlog::logger> logger);
    ~PostgresSink() override;
    PostgresSink(PostgresSink const&) = delete;
    PostgresSink& operator=(PostgresSink const&) = delete;

    // Connects and brings the schema up to date. Throws ConfigError (naming conninfo_env) when
    // the database's schema is newer than this build; an unreachable database is logged only.
    void start();

    std::string const& name() const override { return name_; }
    boost::system::error_code write(std::span<Record const> batch) override;
    // Records refused with a SQLSTATE postgres_refusal.hpp calls permanent, once every other
    // record of the batch is committed.
    std::span<RefusedRecord const> refused() const override { return refused_; }
    boost::system::error_code sync() override { return {}; }
    // SIGHUP is for files; the connection is only checked, so a failing sink is not taken for
    // recovered.
    boost::system::error_code reopen() override { return check(); }
    void close() override;
    bool try_recover() override;
    // SELECT 1 on the connection (made if there is none), by delivery_timeout_ms.
    boost::system::error_code check() override;
    bool reachable() const override { return connected_.load(std::memory_order_relaxed); }

  private:
    struct ResultDeleter {
        void operator()(PGresult* result) const { PQclear(result); }
    };
    using Result = std::unique_ptr<PGresult, ResultDeleter>;

    // A record of the batch, with the key it is stored under; rows go in the order of the keys.
    struct Row {
        std::string key;
        Record const* record;
    };

    // A write, a recovery or the start has delivery_timeout_ms from here.
    void start_deadline();
    // Runs `sql` (several statements when there are no parameters) by the deadline; nullptr when
    // it could not be sent or was not answered in time (then the connection is closed).
    Result execute(std::string const& sql, int count = 0, char const* const* values = nullptr);
    // Waits, by the deadline, for every result of what was just sent, until the server is ready
    // for the next command (so after the commit of a statement run on its own): the first error,
    // or else the last result.
    Result results();
    // What went wrong with `result` (nullptr: the connection, or the deadline), on one line.
    std::string problem(PGresult const* result) const;
    boost::system::error_code connect();
    // Stores the batch; write() retries it once on a new connection.
    boost::system::error_code store(std::span<Record const> batch);
    boost::system::error_code migrate();
    boost::system::error_code add_session_bookkeeping();
    boost::system::error_code add_record_text();
    // Runs `sql`, a query of one boolean with the schema's name as $1: whether the schema has
    // what `what` names.
    boost::system::error_code schema_has(std::string const& sql, char const* what, bool& found);
    boost::system::error_code prepare();
    // Runs one command; on failure logs `what` with the database's message.
    boost::system::error_code run(std::string const& sql, char const* what);
    // The failure of `result` (or of the connection) as an error, logged as `what`.
    boost::system::error_code failed(PGresult const* result, std::string const& what);
    // Stores `rows` with one statement: in its own transaction, or the one open.
    boost::system::error_code insert(std::span<Row const> rows);
    // Inside a transaction: stores `rows` under a savepoint, or, where the database refuses one of
    // them, each half the same way, down to the records refused alone (note_refused).
    boost::system::error_code insert_apart(std::span<Row const> rows, std::size_t& refused);
    // A record the database refused alone: into refused_ when insert() found it refused for good
    // (refusal_), else counted in `refused`, for which the batch is sent again.
    void note_refused(Row const& row, std::size_t& refused);
    boost::system::error_code fail(PostgresErrc errc, std::string const& detail);
    void disconnect();

    PostgresSinkOptions options_;
    std::shared_ptr<spdlog::logger> logger_;
    std::string name_;
    PGconn* connection_ = nullptr;
    std::atomic<bool> connected_{false};
    std::string last_problem_;  // logged once until it changes
    std::chrono::steady_clock::time_point deadline_;
    bool timed_out_ = false;  // since start_deadline()
    // The batch, and its columns as the statement's parameters: kept, so that each batch reuses
    // the buffers of the one before.
    std::vector<Row> rows_;
    Record const* batch_ = nullptr;       // the batch being stored, whose indexes refused_ gives
    std::string refusal_;                 // why insert() found its one record refused for good
    std::vector<RefusedRecord> refused_;  // Sink::refused()
    BinaryArray keys_{BinaryArray::Element::text};
    BinaryArray types_{BinaryArray::Element::text};
    BinaryArray event_ids_{BinaryArray::Element::text};
    BinaryArray session_ids_{BinaryArray::Element::text};
    BinaryArray records_{BinaryArray::Element::jsonb};
    BinaryArray record_texts_{BinaryArray::Element::text};
};

}  // namespace callsink

template <>
struct boost::system::is_error_code_enum<callsink::PostgresErrc> : std::true_type {};
