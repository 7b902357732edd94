#include "callsink/sinks/postgres/postgres_schema.hpp"

namespace callsink {
namespace {

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
    std::string out;
    out.reserve(text.size());
    std::size_t start = 0;
    for (std::size_t at = text.find(from); at != std::string_view::npos;
         at = text.find(from, start)) {
        out.append(text.substr(start, at - start)).append(to);
        start = at + from.size();
    }
    out.append(text.substr(start));
    return out;
}

// Every statement names the schema as S.
std::string in_schema(std::string_view sql, std::string_view schema) {
    return replace_all(std::string(sql), "S.", quote_identifier(schema) + ".");
}

constexpr std::string_view kVersion1 = R"sql(
CREATE FUNCTION S.event_time(payload jsonb) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    -- A call status has its own time; a summary ends when its session does.
    RETURN COALESCE(payload->>'timestamp', payload->>'endTime', payload->>'startTime')::timestamptz;
EXCEPTION WHEN others THEN
    RETURN NULL;  -- a time PostgreSQL cannot read: the event sorts by its arrival
END $$;

CREATE TABLE S.events (
    dedupe_key  text PRIMARY KEY,
    event_type  text NOT NULL,
    event_id    text,
    session_id  text,
    received_at timestamptz NOT NULL,
    event_at    timestamptz,
    record      jsonb NOT NULL
);
CREATE INDEX events_by_session ON S.events (session_id, event_at, received_at);
CREATE INDEX events_by_received ON S.events (received_at);
CREATE INDEX events_by_event_id ON S.events (event_id) WHERE event_id IS NOT NULL;

CREATE TABLE S.sessions (
    session_id     text PRIMARY KEY,
    sub_account_id text,
    status         text,
    started_at     timestamptz,
    ended_at       timestamptz,
    call_count     integer,
    last_event_at  timestamptz,
    summary        jsonb,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_by_last_event ON S.sessions (last_event_at);
CREATE INDEX sessions_by_sub_account ON S.sessions (sub_account_id, last_event_at);
)sql";

}  // namespace

std::string quote_identifier(std::string_view name) {
    // Appended, not "\"" + …: GCC 12 warns (-Wrestrict) on that form, wrongly (its bug 105329).
    std::string quoted = "\"";
    quoted += replace_all(name, "\"", "\"\"");
    quoted += '"';
    return quoted;
}

std::string create_schema_sql(std::string_view schema) {
    // The name goes in after in_schema: an "S." inside it is not a placeholder. The lock's key is
    // the text `callsink schema "name".`, as an E'' literal (its quotes and backslashes escaped,
    // whatever standard_conforming_strings says).
    std::string const quoted = quote_identifier(schema);
    std::string const literal = replace_all(replace_all(quoted, "\\", "\\\\"), "'", "''");
    return "SELECT pg_advisory_xact_lock(hashtext('callsink schema ' || E'" + literal +
           ".'));\nCREATE SCHEMA IF NOT EXISTS " + quoted + ";\n" +
           in_schema("CREATE TABLE IF NOT EXISTS S.schema_version (version integer NOT NULL);\n",
                     schema);
}

std::string read_version_sql(std::string_view schema) {
    return in_schema("SELECT max(version) FROM S.schema_version", schema);
}

std::vector<std::string> migration_sql(std::string_view schema, int from) {
    std::vector<std::string> statements;
    if (from < 1) {
        statements.push_back(in_schema(kVersion1, schema));
    }
    statements.push_back(
        in_schema("DELETE FROM S.schema_version; INSERT INTO S.schema_version "
                  "VALUES (" +
                      std::to_string(kPostgresSchemaVersion) + ")",
                  schema));
    return statements;
}

std::string insert_events_sql(std::string_view schema, std::size_t rows) {
    std::string sql =
        "INSERT INTO S.events (dedupe_key, event_type, event_id, session_id, received_at, "
        "event_at, record) SELECT k, t, NULLIF(e, ''), NULLIF(s, ''), "
        "(j->'received'->>'at')::timestamptz, S.event_time(j->'payload'), j FROM (VALUES ";
    for (std::size_t row = 0; row < rows; ++row) {
        std::size_t const first = row * kEventParameters + 1;
        sql += row == 0 ? "(" : ", (";
        for (std::size_t i = 0; i < kEventParameters; ++i) {
            sql += (i == 0 ? "$" : ", $") + std::to_string(first + i);
        }
        sql += "::jsonb)";
    }
    sql += ") AS input(k, t, e, s, j) ON CONFLICT (dedupe_key) DO NOTHING";
    return in_schema(sql, schema);
}

std::string refresh_sessions_sql(std::string_view schema) {
    // Ordered by the events' own time, then arrival: the newest status wins, whatever order the
    // events came in. A summary's sessionStatus is the final word once there is one.
    return in_schema(R"sql(
INSERT INTO S.sessions AS s (session_id, sub_account_id, status, started_at, ended_at, call_count,
                             last_event_at, summary, updated_at)
SELECT e.session_id,
       (array_agg(e.record->'payload'->>'subAccountId' ORDER BY e.event_at DESC NULLS LAST,
                  e.received_at DESC)
            FILTER (WHERE e.record->'payload' ? 'subAccountId'))[1],
       COALESCE(
           (array_agg(e.record->'payload'->>'sessionStatus' ORDER BY e.event_at DESC NULLS LAST,
                      e.received_at DESC) FILTER (WHERE e.event_type = 'SESSION_SUMMARY'))[1],
           (array_agg(e.record->'payload'->>'callStatus' ORDER BY e.event_at DESC NULLS LAST,
                      e.received_at DESC) FILTER (WHERE e.event_type = 'CALL_STATUS'))[1]),
       COALESCE(min(S.event_time(jsonb_build_object('timestamp', e.record->'payload'->>'startTime')))
                    FILTER (WHERE e.event_type = 'SESSION_SUMMARY'),
                min(e.event_at)),
       max(S.event_time(jsonb_build_object('timestamp', e.record->'payload'->>'endTime')))
           FILTER (WHERE e.event_type = 'SESSION_SUMMARY'),
       COALESCE(
           (array_agg((e.record->'payload'->>'callCount')::integer ORDER BY e.event_at DESC NULLS LAST,
                      e.received_at DESC)
                FILTER (WHERE e.event_type = 'SESSION_SUMMARY'
                        AND CASE WHEN jsonb_typeof(e.record->'payload'->'callCount') = 'number'
                                 THEN (e.record->'payload'->>'callCount')::numeric
                                          BETWEEN -2147483648 AND 2147483647
                                 ELSE false END))[1],
           count(DISTINCT e.record->'payload'->>'callId')
               FILTER (WHERE e.event_type = 'CALL_STATUS')::integer),
       max(e.event_at),
       (array_agg(e.record->'payload' ORDER BY e.event_at DESC NULLS LAST, e.received_at DESC)
            FILTER (WHERE e.event_type = 'SESSION_SUMMARY'))[1],
       now()
FROM S.events e
WHERE e.session_id = ANY($1::text[])
GROUP BY e.session_id
ON CONFLICT (session_id) DO UPDATE SET
    sub_account_id = EXCLUDED.sub_account_id,
    status = EXCLUDED.status,
    started_at = EXCLUDED.started_at,
    ended_at = EXCLUDED.ended_at,
    call_count = EXCLUDED.call_count,
    last_event_at = EXCLUDED.last_event_at,
    summary = EXCLUDED.summary,
    updated_at = EXCLUDED.updated_at
)sql",
                     schema);
}

std::string lock_sessions_sql() {
    // One lock per session, taken in the order of their keys by every replica: no deadlock.
    return "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT "
           "hashtextextended($2 || ' ' || id, 0) AS k FROM unnest($1::text[]) AS id ORDER BY k) "
           "AS keys";
}

std::string session_events_sql(std::string_view schema) {
    return in_schema(
        "SELECT record::text FROM S.events WHERE session_id = $1 "
        "ORDER BY event_at NULLS LAST, received_at",
        schema);
}

}  // namespace callsink
