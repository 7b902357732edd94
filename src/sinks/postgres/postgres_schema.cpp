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

// A nullable column without a default: PostgreSQL adds it to the catalogue only, without
// rewriting the table, however many events it holds.
constexpr std::string_view kRecordText = R"sql(
ALTER TABLE S.events ADD COLUMN record_text text;
COMMENT ON COLUMN S.events.record_text IS
    'the exact JSON text of a record that jsonb cannot hold as it is (an escaped NUL or an '
    'unpaired surrogate, which record holds as U+FFFD instead); NULL where record is the record';
)sql";

// What a sessions row is computed from, kept beside it so that a batch updates it from the batch's
// events alone (callsink before it recomputed the row from all of the session's events on every
// batch, a cost that grew with the session).
//
// Each "newest" value is kept with its event's place in the session's order, an event_order:
// events without a time of their own first, then those with one by that time, then by arrival,
// then by redelivery key, so that no two events tie and the order is the same whichever was
// stored first (the recompute's order, with the key as its last tie-break). A value from the
// batch replaces the kept one only if its event comes later in that order; minimums and maximums
// merge as such; and each session's distinct call ids are rows of session_calls, whose primary
// key counts a call once however many replicas store its statuses at the same time.
// Every merge gives the same row whatever order the events come in and however they are split
// into batches, and merging an event twice changes nothing.
//
// Each statement can run again on a schema that has it (IF NOT EXISTS, OR REPLACE).
// LOCK TABLE: no event is stored while the bookkeeping is added and filled, so each event is
// merged by the fill or by the trigger; taken before the sessions table, in the order writers
// take them.
constexpr std::string_view kSessionBookkeeping = R"sql(
LOCK TABLE S.events IN SHARE ROW EXCLUSIVE MODE;

DO $callsink$ BEGIN
    CREATE TYPE S.event_order AS (
        has_time    boolean,
        event_at    timestamptz,
        received_at timestamptz,
        dedupe_key  text
    );
EXCEPTION WHEN duplicate_object THEN NULL;
END $callsink$;

-- Whether the candidate's event comes later than the kept one's (none kept: it does).
CREATE OR REPLACE FUNCTION S.newer(candidate S.event_order, kept S.event_order) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $callsink$ SELECT kept IS NULL OR candidate > kept $callsink$;

ALTER TABLE S.sessions
    ADD COLUMN IF NOT EXISTS sub_account_from        S.event_order,
    ADD COLUMN IF NOT EXISTS call_status             text,
    ADD COLUMN IF NOT EXISTS call_status_from        S.event_order,
    ADD COLUMN IF NOT EXISTS summary_from            S.event_order,
    ADD COLUMN IF NOT EXISTS summary_call_count      integer,
    ADD COLUMN IF NOT EXISTS summary_call_count_from S.event_order,
    ADD COLUMN IF NOT EXISTS summary_started_at      timestamptz,
    ADD COLUMN IF NOT EXISTS first_event_at          timestamptz,
    ADD COLUMN IF NOT EXISTS call_ids                integer;

CREATE TABLE IF NOT EXISTS S.session_calls (
    session_id text,
    call_id    text,
    PRIMARY KEY (session_id, call_id)
);
)sql";

constexpr std::string_view kAddToSessionsFunction = R"sql(
CREATE OR REPLACE FUNCTION S.add_to_sessions() RETURNS trigger
LANGUAGE plpgsql AS $callsink$
BEGIN
MERGE_ADDED;
RETURN NULL;
END $callsink$;
)sql";

// For each statement that stores events (ON CONFLICT DO NOTHING: `added` holds only the events
// it stored, not a redelivery it skipped), whoever runs it: callsink of any version, or by hand.
constexpr std::string_view kAddToSessionsTrigger = R"sql(
CREATE OR REPLACE TRIGGER add_to_sessions AFTER INSERT ON S.events
REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION S.add_to_sessions();
)sql";

// Merges the events of `source` (rows of S.events) into their sessions' rows. The rules are the
// recompute's (a summary's sessionStatus is the final word once there is one, else the newest
// call status; a summary's callCount, else the distinct call ids), each kept as above. Rows are
// locked in one order, session_calls' before sessions', so that replicas storing the same
// sessions at once wait for each other and never deadlock; a row another transaction updated
// meanwhile is merged into as it is now (ON CONFLICT reads the latest version).
std::string merge_into_sessions(std::string_view source) {
    return replace_all(R"sql(
WITH batch AS (
    SELECT session_id, event_type, record->'payload' AS payload,
           ROW(event_at IS NOT NULL, event_at, received_at, dedupe_key)::S.event_order AS at,
           event_type = 'SESSION_SUMMARY' AND
               CASE WHEN jsonb_typeof(record->'payload'->'callCount') = 'number'
                    THEN (record->'payload'->>'callCount')::numeric
                             BETWEEN -2147483648 AND 2147483647
                    ELSE false END AS counts_calls
    FROM SOURCE
    WHERE session_id IS NOT NULL),
new_calls AS (
    INSERT INTO S.session_calls (session_id, call_id)
    SELECT DISTINCT session_id, payload->>'callId' FROM batch
    WHERE event_type = 'CALL_STATUS' AND payload->>'callId' IS NOT NULL
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING
    RETURNING session_id),
calls AS (
    SELECT session_id, count(*)::integer AS added FROM new_calls GROUP BY session_id),
partial AS (
    SELECT session_id,
        (array_agg(payload->>'subAccountId' ORDER BY at DESC)
            FILTER (WHERE payload ? 'subAccountId'))[1] AS sub_account_id,
        (array_agg(at ORDER BY at DESC) FILTER (WHERE payload ? 'subAccountId'))[1]
            AS sub_account_from,
        (array_agg(payload->>'callStatus' ORDER BY at DESC)
            FILTER (WHERE event_type = 'CALL_STATUS'))[1] AS call_status,
        (array_agg(at ORDER BY at DESC) FILTER (WHERE event_type = 'CALL_STATUS'))[1]
            AS call_status_from,
        (array_agg(payload ORDER BY at DESC) FILTER (WHERE event_type = 'SESSION_SUMMARY'))[1]
            AS summary,
        (array_agg(at ORDER BY at DESC) FILTER (WHERE event_type = 'SESSION_SUMMARY'))[1]
            AS summary_from,
        (array_agg((payload->>'callCount')::integer ORDER BY at DESC)
            FILTER (WHERE counts_calls))[1] AS summary_call_count,
        (array_agg(at ORDER BY at DESC) FILTER (WHERE counts_calls))[1]
            AS summary_call_count_from,
        min(S.event_time(jsonb_build_object('timestamp', payload->>'startTime')))
            FILTER (WHERE event_type = 'SESSION_SUMMARY') AS summary_started_at,
        max(S.event_time(jsonb_build_object('timestamp', payload->>'endTime')))
            FILTER (WHERE event_type = 'SESSION_SUMMARY') AS ended_at,
        min((at).event_at) AS first_event_at,
        max((at).event_at) AS last_event_at
    FROM batch
    GROUP BY session_id)
INSERT INTO S.sessions AS s (session_id, sub_account_id, sub_account_from, call_status,
                             call_status_from, summary, summary_from, summary_call_count,
                             summary_call_count_from, summary_started_at, first_event_at,
                             ended_at, last_event_at, call_ids, status, started_at, call_count,
                             updated_at)
SELECT p.session_id, p.sub_account_id, p.sub_account_from, p.call_status, p.call_status_from,
       p.summary, p.summary_from, p.summary_call_count, p.summary_call_count_from,
       p.summary_started_at, p.first_event_at, p.ended_at, p.last_event_at,
       COALESCE(c.added, 0),
       COALESCE(p.summary->>'sessionStatus', p.call_status),
       COALESCE(p.summary_started_at, p.first_event_at),
       COALESCE(p.summary_call_count, c.added, 0),
       now()
FROM partial p LEFT JOIN calls c USING (session_id)
ORDER BY p.session_id
ON CONFLICT (session_id) DO UPDATE SET
    sub_account_id = CASE WHEN S.newer(EXCLUDED.sub_account_from, s.sub_account_from)
                          THEN EXCLUDED.sub_account_id ELSE s.sub_account_id END,
    sub_account_from = GREATEST(EXCLUDED.sub_account_from, s.sub_account_from),
    call_status = CASE WHEN S.newer(EXCLUDED.call_status_from, s.call_status_from)
                       THEN EXCLUDED.call_status ELSE s.call_status END,
    call_status_from = GREATEST(EXCLUDED.call_status_from, s.call_status_from),
    summary = CASE WHEN S.newer(EXCLUDED.summary_from, s.summary_from)
                   THEN EXCLUDED.summary ELSE s.summary END,
    summary_from = GREATEST(EXCLUDED.summary_from, s.summary_from),
    summary_call_count = CASE WHEN S.newer(EXCLUDED.summary_call_count_from,
                                           s.summary_call_count_from)
                              THEN EXCLUDED.summary_call_count ELSE s.summary_call_count END,
    summary_call_count_from = GREATEST(EXCLUDED.summary_call_count_from,
                                       s.summary_call_count_from),
    summary_started_at = LEAST(EXCLUDED.summary_started_at, s.summary_started_at),
    first_event_at = LEAST(EXCLUDED.first_event_at, s.first_event_at),
    ended_at = GREATEST(EXCLUDED.ended_at, s.ended_at),
    last_event_at = GREATEST(EXCLUDED.last_event_at, s.last_event_at),
    call_ids = COALESCE(s.call_ids, 0) + EXCLUDED.call_ids,
    -- The columns shown, from the merged values above (SET sees only the old row's).
    status = COALESCE((CASE WHEN S.newer(EXCLUDED.summary_from, s.summary_from)
                            THEN EXCLUDED.summary ELSE s.summary END)->>'sessionStatus',
                      CASE WHEN S.newer(EXCLUDED.call_status_from, s.call_status_from)
                           THEN EXCLUDED.call_status ELSE s.call_status END),
    started_at = COALESCE(LEAST(EXCLUDED.summary_started_at, s.summary_started_at),
                          LEAST(EXCLUDED.first_event_at, s.first_event_at)),
    call_count = COALESCE(CASE WHEN S.newer(EXCLUDED.summary_call_count_from,
                                            s.summary_call_count_from)
                               THEN EXCLUDED.summary_call_count ELSE s.summary_call_count END,
                          COALESCE(s.call_ids, 0) + EXCLUDED.call_ids),
    updated_at = EXCLUDED.updated_at
)sql",
                       "FROM SOURCE", "FROM " + std::string(source));
}
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

std::string insert_events_sql(std::string_view schema) {
    return in_schema(
        "INSERT INTO S.events (dedupe_key, event_type, event_id, session_id, received_at, "
        "event_at, record, record_text) SELECT k, t, NULLIF(e, ''), NULLIF(s, ''), "
        "(j->'received'->>'at')::timestamptz, S.event_time(j->'payload'), j, NULLIF(x, '') "
        "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[]) "
        "AS input(k, t, e, s, j, x) ON CONFLICT (dedupe_key) DO NOTHING",
        schema);
}

std::string has_record_text_sql() {
    return "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a "
           "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
           "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
           "WHERE n.nspname = $1 AND c.relname = 'events' AND a.attname = 'record_text' "
           "AND NOT a.attisdropped)";
}

std::string record_text_sql(std::string_view schema) {
    return in_schema(kRecordText, schema);
}

std::string has_session_bookkeeping_sql() {
    return "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t "
           "JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid "
           "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
           "WHERE n.nspname = $1 AND c.relname = 'events' AND t.tgname = 'add_to_sessions')";
}

std::vector<std::string> session_bookkeeping_sql(std::string_view schema) {
    std::string const trigger_function =
        replace_all(kAddToSessionsFunction, "MERGE_ADDED", merge_into_sessions("added"));
    return {in_schema(kSessionBookkeeping, schema), in_schema(trigger_function, schema),
            in_schema(kAddToSessionsTrigger, schema),
            // The sessions already stored, from every event already stored: the same merge as
            // each batch's, so a row ends as the batches would have left it. It can run again
            // (the merge of events already merged changes nothing).
            in_schema(merge_into_sessions("S.events"), schema)};
}

std::string session_events_sql(std::string_view schema) {
    return in_schema(
        "SELECT COALESCE(record_text, record::text) FROM S.events WHERE session_id = $1 "
        "ORDER BY event_at NULLS LAST, received_at",
        schema);
}

}  // namespace callsink
