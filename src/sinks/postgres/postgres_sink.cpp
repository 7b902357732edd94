#include "callsink/sinks/postgres/postgres_sink.hpp"

#include <poll.h>

#include <algorithm>
#include <set>

#include "callsink/base/log_text.hpp"
#include "callsink/config/config_error.hpp"
#include "callsink/sinks/postgres/postgres_schema.hpp"

namespace callsink {
namespace {

// Rows per INSERT: 5 parameters each stays far below the protocol's 65,535.
constexpr std::size_t kRowsPerStatement = 1000;

class PostgresCategory final : public boost::system::error_category {
  public:
    char const* name() const noexcept override { return "postgres"; }
    std::string message(int code) const override {
        switch (static_cast<PostgresErrc>(code)) {
            case PostgresErrc::connection_failed:
                return "the database cannot be reached";
            case PostgresErrc::statement_failed:
                return "the database refused the batch";
            case PostgresErrc::records_refused:
                return "the database refused a record";
            case PostgresErrc::schema_too_new:
                return "the database schema is newer than this callsink";
        }
        return "postgres error";
    }
};

bool succeeded(PGresult const* result) {
    auto const status = PQresultStatus(result);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

// Whether the error is about what a record holds (SQLSTATE class 22, data exception: the \u0000
// jsonb refuses; 23, integrity; 54, a value past a limit), so that storing the batch's records
// one by one stores the others. A timeout, a lock or a deadlock is the database's state, not
// the record's: retried alone, each record would wait out its own timeout, and be logged as
// refused.
bool refuses_a_record(PGresult const* result) {
    char const* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    std::string_view const code = state ? state : "";
    return code.starts_with("22") || code.starts_with("23") || code.starts_with("54");
}

// A text[] literal: every element quoted, with its quotes and backslashes escaped.
std::string text_array(std::set<std::string> const& items) {
    std::string literal = "{";
    for (std::string const& item : items) {
        if (literal.size() > 1) {
            literal += ',';
        }
        literal += '"';
        for (char c : item) {
            if (c == '"' || c == '\\') {
                literal += '\\';
            }
            literal += c;
        }
        literal += '"';
    }
    return literal + "}";
}

}  // namespace

boost::system::error_category const& postgres_category() {
    static PostgresCategory const category;
    return category;
}

boost::system::error_code make_error_code(PostgresErrc errc) {
    return {static_cast<int>(errc), postgres_category()};
}

PostgresSink::PostgresSink(PostgresSinkOptions options, std::shared_ptr<spdlog::logger> logger)
    : options_(std::move(options)),
      logger_(std::move(logger)),
      name_("postgres " + describe_conninfo(options_.conninfo) + " schema " + options_.schema) {}

PostgresSink::~PostgresSink() {
    close();
}

void PostgresSink::start() {
    start_deadline();
    if (auto ec = connect(); ec == PostgresErrc::schema_too_new) {
        throw ConfigError(options_.conninfo_key, last_problem_);
    } else if (ec) {
        logger_->warn("{}: not reachable at start ({}); deliveries get 503 until it is", name_,
                      last_problem_);
    }
}

boost::system::error_code PostgresSink::fail(PostgresErrc errc, std::string const& detail) {
    if (detail != last_problem_) {
        last_problem_ = detail;
        logger_->error("{}: {}", name_, detail);
    }
    return errc;
}

void PostgresSink::disconnect() {
    if (connection_ != nullptr) {
        PQfinish(connection_);
        connection_ = nullptr;
    }
    connected_.store(false, std::memory_order_relaxed);
}

boost::system::error_code PostgresSink::connect() {
    disconnect();
    auto const timeout_ms = options_.delivery_timeout.count();
    // libpq takes whole seconds and treats less than 2 as 2.
    std::string const connect_timeout =
        std::to_string(std::max<long long>(2, (timeout_ms + 999) / 1000));
    std::string const tcp_timeout = std::to_string(timeout_ms);
    // Later keywords override what the connection string says (expand_dbname = 1).
    char const* keywords[] = {"dbname", "connect_timeout", "tcp_user_timeout", "application_name",
                              nullptr};
    char const* values[] = {options_.conninfo.c_str(), connect_timeout.c_str(), tcp_timeout.c_str(),
                            "callsink", nullptr};
    connection_ = PQconnectdbParams(keywords, values, 1);
    if (PQstatus(connection_) != CONNECTION_OK) {
        auto ec = fail(PostgresErrc::connection_failed,
                       "cannot connect: " + one_line(PQerrorMessage(connection_)));
        disconnect();
        return ec;
    }
    // The server's notices ("schema already exists, skipping") would go to stderr as they are,
    // in the middle of callsink's log; they say nothing an operator needs.
    PQsetNoticeProcessor(
        connection_, [](void*, char const*) {}, nullptr);
    std::string const timeouts = "SET statement_timeout = " + std::to_string(timeout_ms) +
                                 "; SET lock_timeout = " + std::to_string(timeout_ms);
    if (auto ec = run(timeouts, "setting the timeouts")) {
        disconnect();
        return ec;
    }
    if (auto ec = migrate()) {
        disconnect();
        return ec;
    }
    connected_.store(true, std::memory_order_relaxed);
    if (!last_problem_.empty()) {
        logger_->info("{}: connected", name_);
        last_problem_.clear();
    }
    return {};
}

boost::system::error_code PostgresSink::migrate() {
    std::string const& schema = options_.schema;
    if (auto ec = run("BEGIN", "starting the schema check")) {
        return ec;
    }
    if (auto ec = run(create_schema_sql(schema), "creating the schema")) {
        return ec;
    }
    Result version = execute(read_version_sql(schema));
    if (!succeeded(version.get())) {
        run("ROLLBACK", "rolling back");
        return fail(PostgresErrc::statement_failed,
                    "reading the schema version: " + problem(version.get()));
    }
    int const stored =
        PQgetisnull(version.get(), 0, 0) ? 0 : std::atoi(PQgetvalue(version.get(), 0, 0));
    if (stored > kPostgresSchemaVersion) {
        run("ROLLBACK", "rolling back");
        return fail(PostgresErrc::schema_too_new, "schema " + quote_identifier(schema) +
                                                      " is at version " + std::to_string(stored) +
                                                      ", newer than this callsink knows (version " +
                                                      std::to_string(kPostgresSchemaVersion) +
                                                      "); upgrade callsink or use another schema");
    }
    if (stored < kPostgresSchemaVersion) {
        for (std::string const& statement : migration_sql(schema, stored)) {
            if (auto ec = run(statement, "creating the tables")) {
                run("ROLLBACK", "rolling back");
                return ec;
            }
        }
        logger_->info("{}: schema {} brought from version {} to {}", name_,
                      quote_identifier(schema), stored, kPostgresSchemaVersion);
    }
    return run("COMMIT", "committing the schema");
}

PostgresSink::Result PostgresSink::execute(std::string const& sql, int count,
                                           char const* const* values) {
    if (connection_ == nullptr) {
        return nullptr;
    }
    // Sent and awaited without blocking, against the delivery's deadline: the server's
    // statement_timeout and the TCP timeout both miss a server that takes the request and never
    // answers (a stopped backend, a stuck disk), and the writer must not wait on it forever.
    bool const sent = count == 0 ? PQsendQuery(connection_, sql.c_str()) == 1
                                 : PQsendQueryParams(connection_, sql.c_str(), count, nullptr,
                                                     values, nullptr, nullptr, 0) == 1;
    if (!sent) {
        return nullptr;
    }
    for (;;) {
        int const flushed = PQflush(connection_);
        if (flushed < 0) {
            return nullptr;
        }
        if (flushed == 0 && (PQconsumeInput(connection_) == 0 || !PQisBusy(connection_))) {
            break;
        }
        auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline_ - std::chrono::steady_clock::now());
        pollfd ready{PQsocket(connection_), static_cast<short>(POLLIN | (flushed ? POLLOUT : 0)),
                     0};
        if (left.count() <= 0 || ::poll(&ready, 1, static_cast<int>(left.count())) == 0) {
            timed_out_ = true;
            disconnect();  // the transaction dies with the connection; nothing half-done stays
            return nullptr;
        }
    }
    // Several statements give several results: the first error, or else the last.
    Result kept;
    while (PGresult* next = PQgetResult(connection_)) {
        Result result(next);
        if (!kept || succeeded(kept.get())) {
            kept = std::move(result);
        }
    }
    return kept;
}

std::string PostgresSink::problem(PGresult const* result) const {
    if (timed_out_) {
        return "no answer within delivery_timeout_ms (" +
               std::to_string(options_.delivery_timeout.count()) + " ms)";
    }
    if (result == nullptr) {
        return connection_ == nullptr ? "the connection is closed"
                                      : one_line(PQerrorMessage(connection_));
    }
    return one_line(PQresultErrorMessage(result));
}

boost::system::error_code PostgresSink::run(std::string const& sql, char const* what) {
    Result result = execute(sql);
    if (succeeded(result.get())) {
        return {};
    }
    bool const lost = PQstatus(connection_) != CONNECTION_OK;
    return fail(lost ? PostgresErrc::connection_failed : PostgresErrc::statement_failed,
                std::string(what) + ": " + problem(result.get()));
}

boost::system::error_code PostgresSink::insert(std::span<Record const> rows,
                                               std::string const& where) {
    std::vector<std::string> ids;  // the summary's ids are views, not NUL-terminated
    ids.reserve(rows.size() * 3);
    std::vector<char const*> values;
    values.reserve(rows.size() * kEventParameters);
    for (Record const& record : rows) {
        std::string key = record.redelivery_key ? record.redelivery_key.hex() : record.request_id;
        ids.push_back(std::move(key));
        values.push_back(ids.back().c_str());
        values.push_back(record.summary.event_type.data());  // static, NUL-terminated names
        ids.emplace_back(record.summary.event_id());
        values.push_back(ids.back().c_str());
        ids.emplace_back(record.summary.session_id());
        values.push_back(ids.back().c_str());
        values.push_back(record.line.c_str());  // JSON allows the trailing newline
    }
    std::string const sql = insert_events_sql(options_.schema, rows.size());
    Result result = execute(sql, static_cast<int>(values.size()), values.data());
    if (succeeded(result.get())) {
        return {};
    }
    auto errc = refuses_a_record(result.get()) ? PostgresErrc::records_refused
                                               : PostgresErrc::statement_failed;
    if (PQstatus(connection_) != CONNECTION_OK) {
        errc = PostgresErrc::connection_failed;
    }
    return fail(errc, "storing " + where + ": " + problem(result.get()));
}

boost::system::error_code PostgresSink::insert_rows(std::span<Record const> batch,
                                                    std::size_t& refused) {
    for (std::size_t first = 0; first < batch.size(); first += kRowsPerStatement) {
        auto const chunk = batch.subspan(first, std::min(kRowsPerStatement, batch.size() - first));
        if (auto ec = run("SAVEPOINT chunk", "starting a savepoint")) {
            return ec;
        }
        auto ec = insert(chunk, std::to_string(chunk.size()) + " record(s)");
        if (!ec) {
            continue;
        }
        if (ec != PostgresErrc::records_refused) {
            return ec;
        }
        // One record may spoil the statement: store the others one by one.
        if (auto undo = run("ROLLBACK TO SAVEPOINT chunk", "rolling back to the savepoint")) {
            return undo;
        }
        for (std::size_t i = 0; i < chunk.size(); ++i) {
            if (auto begin = run("SAVEPOINT one", "starting a savepoint")) {
                return begin;
            }
            std::string const key = chunk[i].redelivery_key.hex();
            auto const one =
                insert(chunk.subspan(i, 1), "the record with redeliveryKey " + key + " (request " +
                                                chunk[i].request_id + ")");
            if (one == PostgresErrc::records_refused) {
                ++refused;
                if (auto undo = run("ROLLBACK TO SAVEPOINT one", "rolling back a record")) {
                    return undo;
                }
            } else if (one) {
                return one;
            }
        }
    }
    return {};
}

boost::system::error_code PostgresSink::refresh_sessions(std::span<Record const> batch) {
    std::set<std::string> sessions;
    for (Record const& record : batch) {
        // An id with a NUL in it cannot be text (nor its record jsonb: the row was refused), and
        // would cut the array literal short, failing the whole batch: it is left out.
        std::string_view const id = record.summary.session_id();
        if (!id.empty() && id.find('\0') == std::string_view::npos) {
            sessions.emplace(id);
        }
    }
    if (sessions.empty()) {
        return {};
    }
    std::string const ids = text_array(sessions);
    char const* values[] = {ids.c_str(), options_.schema.c_str()};
    Result locked = execute(lock_sessions_sql(), 2, values);
    if (!succeeded(locked.get())) {
        bool const lost = PQstatus(connection_) != CONNECTION_OK;
        return fail(lost ? PostgresErrc::connection_failed : PostgresErrc::statement_failed,
                    "locking sessions: " + problem(locked.get()));
    }
    std::string const sql = refresh_sessions_sql(options_.schema);
    Result result = execute(sql, 1, values);
    if (succeeded(result.get())) {
        return {};
    }
    bool const lost = PQstatus(connection_) != CONNECTION_OK;
    return fail(lost ? PostgresErrc::connection_failed : PostgresErrc::statement_failed,
                "updating sessions: " + problem(result.get()));
}

boost::system::error_code PostgresSink::write(std::span<Record const> batch) {
    start_deadline();
    bool const fresh = connection_ == nullptr || PQstatus(connection_) != CONNECTION_OK;
    if (fresh) {
        if (auto ec = connect()) {
            return ec;
        }
    }
    auto ec = store(batch);
    if (ec == PostgresErrc::connection_failed && !fresh && !timed_out_) {
        // A connection that went stale while idle (the server restarted): one new one is worth a
        // try before a 503.
        if (!(ec = connect())) {
            ec = store(batch);
        }
    }
    return ec;
}

boost::system::error_code PostgresSink::store(std::span<Record const> batch) {
    std::size_t refused = 0;
    auto ec = run("BEGIN", "starting a transaction");
    if (!ec) {
        ec = insert_rows(batch, refused);
    }
    if (!ec) {
        ec = refresh_sessions(batch);
    }
    if (!ec) {
        ec = run("COMMIT", "committing");
    }
    if (ec) {
        // Whatever state the connection is in, a new one starts clean.
        disconnect();
        return ec;
    }
    if (refused > 0) {
        // The batch's other records are committed; a retry of the refused one fails again, which
        // the log says, and every retry of the others finds them stored.
        return PostgresErrc::records_refused;
    }
    if (!last_problem_.empty()) {
        logger_->info("{}: storing again", name_);
        last_problem_.clear();
    }
    return {};
}

boost::system::error_code PostgresSink::check() {
    start_deadline();
    if (connection_ == nullptr || PQstatus(connection_) != CONNECTION_OK) {
        return connect();
    }
    return run("SELECT 1", "checking the connection");
}

void PostgresSink::start_deadline() {
    deadline_ = std::chrono::steady_clock::now() + options_.delivery_timeout;
    timed_out_ = false;
}

bool PostgresSink::try_recover() {
    start_deadline();
    if (connection_ == nullptr || PQstatus(connection_) != CONNECTION_OK) {
        return !connect();
    }
    return !run("SELECT 1", "checking the connection");
}

void PostgresSink::close() {
    disconnect();
}

}  // namespace callsink
