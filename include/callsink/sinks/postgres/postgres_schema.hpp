// The SQL of the postgres sink, as text: its tables and their versions, the statement that stores
// a batch, and the sessions' bookkeeping. Pure: it builds strings and runs nothing
// (postgres_sink.cpp does).
//
// `events` holds every record once, keyed by its redelivery key, which is the same in every
// replica (records/redelivery_key.hpp): a redelivery that reaches another replica finds its key
// taken and is not stored again. `sessions` is derived from `events`: a trigger on `events` merges
// each statement's new events into their sessions' rows, from those events alone and what the row
// keeps of the ones before (postgres_schema.cpp says how), so a batch costs the same however many
// events its sessions already hold, and events that arrive out of order (8x8 does not promise
// order) leave the row at the newest state, the one a recompute from all of them gives.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace callsink {

// The schema version this build creates and understands. A database at a newer one was set up by
// a newer callsink, and this one refuses to write to it. It counts the changes an older callsink
// could not write through: the sessions' bookkeeping is not one (callsink before it stores events
// as before, and the trigger keeps the bookkeeping right), so it is added where it is missing
// instead (session_bookkeeping_sql). Nor is events.record_text, the exact line of a record that
// jsonb cannot hold as it is (jsonb_copy.hpp): an older callsink names the columns it inserts, so
// it writes through the new nullable column, and a rolling upgrade keeps every replica working;
// it is added where missing too (record_text_sql).
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

// Whether events.record_text exists: one row, one boolean; $1 is the schema's name.
std::string has_record_text_sql();

// Adds events.record_text. Run where has_record_text_sql() says it is missing: ALTER TABLE takes
// the table's strongest lock even when there is nothing to add.
std::string record_text_sql(std::string_view schema);

// Stores a batch of events: parameters $1 to $6 are arrays of one element per event (dedupe_key,
// event_type, event_id and session_id as text[], the record as jsonb[], the record's exact text as
// text[], empty where the jsonb is the record itself; received_at and the event's own time are
// read from the record). An event whose key is already stored is skipped. One text for every
// batch size, so it is prepared once per connection.
inline constexpr int kEventArrays = 6;
std::string insert_events_sql(std::string_view schema);

// Whether the schema named in $1 has the sessions' bookkeeping: one row, one boolean.
std::string has_session_bookkeeping_sql();

// Adds the sessions' bookkeeping to a version 1 schema and fills it from the events already
// stored (which reads them all, once). Run inside the transaction that holds the schema's lock
// (create_schema_sql), in order; safe to run again.
std::vector<std::string> session_bookkeeping_sql(std::string_view schema);

// One session's events in the order they happened (own time, then arrival): its record texts,
// exact where the jsonb holds a stand-in.
std::string session_events_sql(std::string_view schema);

}  // namespace callsink
