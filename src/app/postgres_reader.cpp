#include "callsink/app/postgres_reader.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "callsink/base/log_text.hpp"
#include "callsink/sinks/postgres/postgres_schema.hpp"

namespace callsink {
namespace {

struct ConnectionDeleter {
    void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct ResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
};

}  // namespace

std::vector<std::string> postgres_session_records(PostgresSinkOptions const& options,
                                                  std::string_view session_id) {
    std::string const database = "PostgreSQL " + describe_conninfo(options.conninfo);
    // libpq takes whole seconds and treats less than 2 as 2; later keywords override what the
    // connection string says (expand_dbname = 1).
    auto const timeout_ms = options.delivery_timeout.count();
    std::string const connect_timeout =
        std::to_string(std::max<long long>(2, (timeout_ms + 999) / 1000));
    char const* keywords[] = {"dbname", "connect_timeout", "application_name", nullptr};
    char const* values[] = {options.conninfo.c_str(), connect_timeout.c_str(), "callsink session",
                            nullptr};
    std::unique_ptr<PGconn, ConnectionDeleter> connection(PQconnectdbParams(keywords, values, 1));
    if (PQstatus(connection.get()) != CONNECTION_OK) {
        throw std::runtime_error("cannot connect to " + database + ": " +
                                 one_line(PQerrorMessage(connection.get())));
    }
    // Server notices would go to stderr unasked, between the lines of the answer.
    PQsetNoticeProcessor(
        connection.get(), [](void*, char const*) {}, nullptr);
    std::string const sql = session_events_sql(options.schema);
    std::string const id(session_id);
    char const* parameters[] = {id.c_str()};
    std::unique_ptr<PGresult, ResultDeleter> result(
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

}  // namespace callsink
