#include "callsink/sinks/postgres/postgres_sink.hpp"

#include <poll.h>

#include <algorithm>

#include "callsink/base/log_text.hpp"
#include "callsink/config/config_error.hpp"
#include "callsink/sinks/postgres/jsonb_copy.hpp"
#include "callsink/sinks/postgres/postgres_refusal.hpp"
#include "callsink/sinks/postgres/postgres_schema.hpp"

namespace callsink {
namespace {

// The prepared statement that stores a batch (insert_events_sql), on each connection.
constexpr char const* kInsertEvents = "callsink_insert_events";

// Adding the sessions' bookkeeping reads every event stored (once, at the first start of a
// callsink that has it, on a database an older one filled): it may take far longer than a
// delivery may wait, so it has this long instead.
constexpr std::chrono::hours kBookkeepingTimeout{1};

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

std::string_view sqlstate(PGresult const* result) {
    char const* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    return state ? state : "";
}

// Whether the error is about what a record holds, so that storing the batch's records apart
// stores the others (postgres_refusal.hpp).
bool refuses_a_record(PGresult const* result) {
    return sqlstate_refuses_a_record(sqlstate(result));
}

// An id as text: up to its first NUL, which text cannot hold (the exact id is in record_text).
std::string_view as_text(std::string_view id) {
    return id.substr(0, id.find('\0'));
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
    if (auto ec = prepare()) {
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
    if (auto ec = add_record_text()) {
        run("ROLLBACK", "rolling back");
        return ec;
    }
    if (auto ec = add_session_bookkeeping()) {
        run("ROLLBACK", "rolling back");
        return ec;
    }
    return run("COMMIT", "committing the schema");
}

boost::system::error_code PostgresSink::schema_has(std::string const& sql, char const* what,
                                                   bool& found) {
    char const* values[] = {options_.schema.c_str()};
    Result has = execute(sql, 1, values);
    if (!succeeded(has.get())) {
        return failed(has.get(), std::string("looking for ") + what);
    }
    found = std::string_view(PQgetvalue(has.get(), 0, 0)) == "t";
    return {};
}

boost::system::error_code PostgresSink::add_record_text() {
    bool found = false;
    if (auto ec = schema_has(has_record_text_sql(), "events.record_text", found); ec || found) {
        return ec;
    }
    if (auto ec = run(record_text_sql(options_.schema), "adding events.record_text")) {
        return ec;
    }
    logger_->info("{}: added events.record_text to schema {}", name_,
                  quote_identifier(options_.schema));
    return {};
}

boost::system::error_code PostgresSink::add_session_bookkeeping() {
    bool found = false;
    if (auto ec = schema_has(has_session_bookkeeping_sql(), "the sessions' bookkeeping", found);
        ec || found) {
        return ec;
    }
    logger_->info(
        "{}: adding the sessions' bookkeeping to schema {}, from the events stored "
        "(once; a large table takes a while)",
        name_, quote_identifier(options_.schema));
    auto const started = std::chrono::steady_clock::now();
    deadline_ = std::max(deadline_, started + kBookkeepingTimeout);
    if (auto ec = run("SET LOCAL statement_timeout = 0", "lifting the statement timeout")) {
        return ec;
    }
    for (std::string const& statement : session_bookkeeping_sql(options_.schema)) {
        if (auto ec = run(statement, "adding the sessions' bookkeeping")) {
            return ec;
        }
    }
    logger_->info("{}: sessions' bookkeeping added in {} ms", name_,
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count());
    return {};
}

boost::system::error_code PostgresSink::prepare() {
    std::string const sql = insert_events_sql(options_.schema);
    if (PQsendPrepare(connection_, kInsertEvents, sql.c_str(), kEventArrays, nullptr) != 1) {
        return failed(nullptr, "preparing the insert");
    }
    Result result = results();
    return succeeded(result.get()) ? boost::system::error_code{}
                                   : failed(result.get(), "preparing the insert");
}

PostgresSink::Result PostgresSink::execute(std::string const& sql, int count,
                                           char const* const* values) {
    if (connection_ == nullptr) {
        return nullptr;
    }
    bool const sent = count == 0 ? PQsendQuery(connection_, sql.c_str()) == 1
                                 : PQsendQueryParams(connection_, sql.c_str(), count, nullptr,
                                                     values, nullptr, nullptr, 0) == 1;
    return sent ? results() : nullptr;
}

PostgresSink::Result PostgresSink::results() {
    // Awaited without blocking, against the delivery's deadline: the server's statement_timeout
    // and the TCP timeout both miss a server that takes the request and never answers (a stopped
    // backend, a stuck disk), and the writer must not wait on it forever. Every result is read,
    // up to the server's "ready": a statement run on its own is committed only then, and a
    // failure to commit comes after the statement's own result.
    Result kept;
    for (;;) {
        int const flushed = PQflush(connection_);
        if (flushed < 0) {
            return nullptr;
        }
        if (flushed == 0 && PQconsumeInput(connection_) == 0) {
            return nullptr;
        }
        if (flushed == 0 && !PQisBusy(connection_)) {
            PGresult* next = PQgetResult(connection_);
            if (next == nullptr) {
                return kept;
            }
            Result result(next);
            if (!kept || succeeded(kept.get())) {
                kept = std::move(result);
            }
            continue;
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
    return failed(result.get(), what);
}

boost::system::error_code PostgresSink::failed(PGresult const* result, std::string const& what) {
    auto errc = result != nullptr && refuses_a_record(result) ? PostgresErrc::records_refused
                                                              : PostgresErrc::statement_failed;
    if (connection_ == nullptr || PQstatus(connection_) != CONNECTION_OK) {
        errc = PostgresErrc::connection_failed;
    }
    return fail(errc, what + ": " + problem(result));
}

boost::system::error_code PostgresSink::insert(std::span<Row const> rows) {
    if (connection_ == nullptr) {
        return fail(PostgresErrc::connection_failed, "storing: the connection is closed");
    }
    for (BinaryArray* array :
         {&keys_, &types_, &event_ids_, &session_ids_, &records_, &record_texts_}) {
        array->clear();
    }
    for (Row const& row : rows) {
        Record const& record = *row.record;
        keys_.add(row.key);
        types_.add(record.summary.event_type);
        event_ids_.add(as_text(record.summary.event_id()));
        session_ids_.add(as_text(record.summary.session_id()));
        // JSON allows the trailing newline; the exact text is kept without it, as Kafka's value.
        if (auto const copy = jsonb_safe_copy(record.line)) {
            records_.add(*copy);
            record_texts_.add(record.json());
        } else {
            records_.add(record.line);
            record_texts_.add({});  // NULL: the jsonb is the record
        }
    }
    BinaryArray const* arrays[] = {&keys_,        &types_,   &event_ids_,
                                   &session_ids_, &records_, &record_texts_};
    char const* values[kEventArrays];
    int lengths[kEventArrays];
    int formats[kEventArrays];
    for (int i = 0; i < kEventArrays; ++i) {
        values[i] = arrays[i]->bytes().data();
        lengths[i] = static_cast<int>(arrays[i]->bytes().size());
        formats[i] = 1;  // binary
    }
    Result result;
    if (PQsendQueryPrepared(connection_, kInsertEvents, kEventArrays, values, lengths, formats,
                            0) == 1) {
        result = results();
    }
    if (succeeded(result.get())) {
        return {};
    }
    // A record is named only when the server refused it: a timeout or a lost connection is the
    // database's trouble, not the record's, whatever the batch's size.
    bool const about_a_record = result && refuses_a_record(result.get());
    if (about_a_record && rows.size() > 1) {
        // Not logged: stored apart, the records refused alone are found, and logged if they are
        // to be sent again; a flood of poison records is not a line per batch.
        return PostgresErrc::records_refused;
    }
    bool const named = rows.size() == 1 && about_a_record;
    if (named && sqlstate_refuses_for_good(sqlstate(result.get()))) {
        // Not logged here: its caller writes it to the dead-letter file, which logs once a burst.
        refusal_ = "SQLSTATE " + std::string(sqlstate(result.get())) + ": " +
                   one_line(PQresultErrorMessage(result.get()));
        return PostgresErrc::records_refused;
    }
    refusal_.clear();
    Record const& first = *rows.front().record;
    return failed(result.get(), named ? "storing the record with redeliveryKey " +
                                            first.redelivery_key.hex() + " (request " +
                                            first.request_id + ")"
                                      : "storing " + std::to_string(rows.size()) + " record(s)");
}

boost::system::error_code PostgresSink::insert_apart(std::span<Row const> rows,
                                                     std::size_t& refused) {
    if (auto ec = run("SAVEPOINT part", "starting a savepoint")) {
        return ec;
    }
    auto ec = insert(rows);
    if (!ec) {
        return run("RELEASE SAVEPOINT part", "releasing a savepoint");
    }
    if (ec != PostgresErrc::records_refused) {
        return ec;
    }
    if (auto undo = run("ROLLBACK TO SAVEPOINT part; RELEASE SAVEPOINT part",
                        "rolling back to the savepoint")) {
        return undo;
    }
    if (rows.size() == 1) {
        note_refused(rows.front(), refused);
        return {};
    }
    std::size_t const half = rows.size() / 2;
    if (auto first = insert_apart(rows.first(half), refused)) {
        return first;
    }
    return insert_apart(rows.subspan(half), refused);
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
    if (batch.empty()) {
        return {};
    }
    rows_.clear();
    for (Record const& record : batch) {
        rows_.push_back(
            {record.redelivery_key ? record.redelivery_key.hex() : record.request_id, &record});
    }
    std::sort(rows_.begin(), rows_.end(), [](Row const& a, Row const& b) { return a.key < b.key; });
    batch_ = batch.data();
    refused_.clear();
    std::size_t refused = 0;  // for a while: sent again
    auto ec = insert(rows_);
    if (ec == PostgresErrc::records_refused && rows_.size() == 1) {
        note_refused(rows_.front(), refused);  // the statement was its transaction, rolled back
        ec = {};
    } else if (ec == PostgresErrc::records_refused) {
        // One record spoils the statement: the others are stored without it, in one transaction.
        ec = run("BEGIN", "starting a transaction");
        if (!ec) {
            std::size_t const half = rows_.size() / 2;
            auto const rows = std::span<Row const>(rows_);
            ec = insert_apart(rows.first(half), refused);
            if (!ec) {
                ec = insert_apart(rows.subspan(half), refused);
            }
        }
        if (!ec) {
            ec = run("COMMIT", "committing");
        }
    }
    if (ec) {
        // Whatever state the connection is in, a new one starts clean.
        disconnect();
        refused_.clear();
        return ec;
    }
    if (refused > 0) {
        // The batch's other records are committed; a retry of the refused one fails again, which
        // the log says, and every retry of the others finds them stored. Those refused for good
        // go with it: the whole batch is sent again.
        refused_.clear();
        return PostgresErrc::records_refused;
    }
    if (!refused_.empty()) {
        // Every other record is committed; these are for the dead-letter file (Sink::refused).
        std::sort(refused_.begin(), refused_.end(),
                  [](RefusedRecord const& a, RefusedRecord const& b) { return a.index < b.index; });
        return PostgresErrc::records_refused;
    }
    if (!last_problem_.empty()) {
        logger_->info("{}: storing again", name_);
        last_problem_.clear();
    }
    return {};
}

void PostgresSink::note_refused(Row const& row, std::size_t& refused) {
    if (refusal_.empty()) {
        ++refused;  // logged by insert(), with its key
        return;
    }
    refused_.push_back({static_cast<std::size_t>(row.record - batch_), std::move(refusal_)});
    refusal_.clear();
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
