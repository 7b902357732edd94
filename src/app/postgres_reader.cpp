#include "callsink/app/postgres_reader.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <stdexcept>
#include <unordered_set>
#include <utility>

#include "callsink/base/log_text.hpp"
#include "callsink/sinks/postgres/postgres_schema.hpp"
#include "callsink/sinks/postgres/postgres_sink.hpp"

namespace callsink {
namespace {

struct ConnectionDeleter {
    void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct ResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
};
using Connection = std::unique_ptr<PGconn, ConnectionDeleter>;
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// Connects for a command run by hand, by the sink's delivery timeout; throws, naming the database,
// when it cannot.
Connection connect(PostgresSinkOptions const& options, char const* application_name) {
    // libpq takes whole seconds and treats less than 2 as 2; later keywords override what the
    // connection string says (expand_dbname = 1).
    auto const timeout_ms = options.delivery_timeout.count();
    std::string const connect_timeout =
        std::to_string(std::max<long long>(2, (timeout_ms + 999) / 1000));
    char const* keywords[] = {"dbname", "connect_timeout", "application_name", nullptr};
    char const* values[] = {options.conninfo.c_str(), connect_timeout.c_str(), application_name,
                            nullptr};
    Connection connection(PQconnectdbParams(keywords, values, 1));
    if (PQstatus(connection.get()) != CONNECTION_OK) {
        throw std::runtime_error("cannot connect to PostgreSQL " +
                                 describe_conninfo(options.conninfo) + ": " +
                                 one_line(PQerrorMessage(connection.get())));
    }
    // Server notices would go to stderr unasked, between the lines of the answer.
    PQsetNoticeProcessor(
        connection.get(), [](void*, char const*) {}, nullptr);
    return connection;
}

// The key the sink stores a record under (postgres_sink.cpp): its redelivery key, or, for a
// record without one, its request id.
std::string stored_key(Record const& record) {
    return record.redelivery_key ? record.redelivery_key.hex() : record.request_id;
}

// A text[] literal of `values`, each quoted, so that no value is read as NULL or split.
std::string text_array(std::vector<std::string> const& values) {
    std::string literal = "{";
    for (std::string const& value : values) {
        literal += literal.size() > 1 ? ",\"" : "\"";
        for (char c : value) {
            if (c == '"' || c == '\\') {
                literal.push_back('\\');
            }
            literal.push_back(c);
        }
        literal.push_back('"');
    }
    return literal + "}";
}

}  // namespace

std::vector<std::string> postgres_session_records(PostgresSinkOptions const& options,
                                                  std::string_view session_id) {
    std::string const database = "PostgreSQL " + describe_conninfo(options.conninfo);
    Connection const connection = connect(options, "callsink session");
    std::string const sql = session_events_sql(options.schema);
    std::string const id(session_id);
    char const* parameters[] = {id.c_str()};
    Result result(
        PQexecParams(connection.get(), sql.c_str(), 1, nullptr, parameters, nullptr, nullptr, 0));
    if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
        throw std::runtime_error("cannot read the events of " + database + " (schema " +
                                 options.schema +
                                 "): " + one_line(PQresultErrorMessage(result.get())));
    }
    std::vector<std::string> records;
    int const rows = PQntuples(result.get());
    records.reserve(static_cast<std::size_t>(rows));
    for (int row = 0; row < rows; ++row) {
        records.emplace_back(PQgetvalue(result.get(), row, 0),
                             static_cast<std::size_t>(PQgetlength(result.get(), row, 0)));
    }
    return records;
}

PostgresStoredKeys::PostgresStoredKeys(PostgresSinkOptions options)
    : options_(std::move(options)),
      sql_("SELECT dedupe_key FROM " + quote_identifier(options_.schema) +
           ".events WHERE dedupe_key = ANY($1::text[])") {}

PostgresStoredKeys::~PostgresStoredKeys() = default;

boost::system::error_code PostgresStoredKeys::find(std::span<Record const> batch,
                                                   std::vector<bool>& stored) {
    stored.assign(batch.size(), false);
    if (!connection_ || PQstatus(connection_.get()) != CONNECTION_OK) {
        try {
            connection_.reset(connect(options_, "callsink replay").release());
        } catch (std::exception const&) {
            connection_.reset();
            return make_error_code(PostgresErrc::connection_failed);
        }
    }
    std::vector<std::string> keys;
    keys.reserve(batch.size());
    for (Record const& record : batch) {
        keys.push_back(stored_key(record));
    }
    std::string const array = text_array(keys);
    char const* parameters[] = {array.c_str()};
    Result const result(
        PQexecParams(connection_.get(), sql_.c_str(), 1, nullptr, parameters, nullptr, nullptr, 0));
    if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
        // A table not made yet (a new database: the sink makes it) holds nothing.
        char const* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
        if (state && std::string_view(state) == "42P01") {
            return {};
        }
        connection_.reset();
        return make_error_code(PostgresErrc::statement_failed);
    }
    std::unordered_set<std::string_view> found;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
        found.emplace(PQgetvalue(result.get(), row, 0),
                      static_cast<std::size_t>(PQgetlength(result.get(), row, 0)));
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
        stored[i] = found.contains(keys[i]);
    }
    return {};
}

}  // namespace callsink
