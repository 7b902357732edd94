// The SQL of the postgres sink, as text: its tables and their versions, the statement that stores
// a batch, and the one that brings the sessions it touched up to date. Pure: it builds strings and
// runs nothing (postgres_sink.cpp does).
//
// `events` holds every record once, keyed by its redelivery key, which is the same in every
// replica (records/redelivery_key.hpp): a redelivery that reaches another replica finds its key
// taken and is not stored again. `sessions` is derived from `events`: for each session a batch
// touches it is recomputed from all of that session's events, ordered by their own time, so
// events that arrive out of order (8x8 does not promise order) leave it at the newest state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace callsink {

// The schema version this build creates and understands. A database at a newer one was set up by
// a newer callsink, and this one refuses to write to it.
inline constexpr int kPostgresSchemaVersion = 1;

// A PostgreSQL identifier, quoted ("callsink" -> "\"callsink\""), with embedded quotes doubled.
std::string quote_identifier(std::string_view name);

// Creates the schema and the version table if missing; safe to run from several replicas at once
// (it takes a transaction-level advisory lock first). Run inside a transaction.
std::string create_schema_sql(std::string_view schema);

// Reads the stored version: one row, one column, or no row for a new schema.
std::string read_version_sql(std::string_view schema);

// The statements that take the schema from `from` to kPostgresSchemaVersion, then record it.
std::vector<std::string> migration_sql(std::string_view schema, int from);

// Inserts `rows` events; parameters 5 per row: dedupe_key, event_type, event_id, session_id and
// the record (its JSON text; received_at and the event's own time are read from it). An event
// whose key is already stored is skipped.
std::string insert_events_sql(std::string_view schema, std::size_t rows);
inline constexpr std::size_t kEventParameters = 5;

// Recomputes the sessions named in parameter $1, a text[] of session ids, from their events. The
// row's status, times and call count say in SQL what `callsink session` shows from the same
// events (records/session_timeline.hpp); tests/integration/test_session_stores_agree.py checks
// that they agree, fixture by fixture and for whole sessions in any arrival order.
std::string refresh_sessions_sql(std::string_view schema);

// Locks the sessions named in $1 (text[]) of the schema named in $2 until the transaction ends,
// so that two replicas refresh a session one after the other: run before refresh_sessions_sql,
// as a statement of its own, so the refresh's snapshot sees the events of whoever held the lock.
// Without it, a replica whose snapshot lacks a concurrent replica's event could commit last and
// write back an older state.
std::string lock_sessions_sql();

// One session's events in the order they happened (own time, then arrival): its record texts.
std::string session_events_sql(std::string_view schema);

}  // namespace callsink
