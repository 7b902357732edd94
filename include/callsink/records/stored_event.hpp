// Reads back an event record as a sink stored it (one line of a file sink's file, docs/records.md)
// into the Record the encoders made of it when it was received: its line, its summary and its
// redelivery key from the event type's identity (record_identity.hpp, as the encoders fill them),
// and its request id from `received`. `callsink replay` sends such records again, and a sink
// that deduplicates by the redelivery key (PostgreSQL's primary key, Kafka's redeliveryKey header)
// then recognises what it already has.
//
// One exception: a type identified by its whole payload (VIRTUAL_NUMBER_UPDATE) took its key
// before privacy masked the numbers, so from a line whose numbers are masked or hashed the key is
// not the one the daemon gave it (records.md, "Redeliveries").
//
// Pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "callsink/records/record.hpp"

namespace callsink {

struct StoredEvent {
    Record record;
    std::int64_t received_at_ms = 0;  // received.at, as milliseconds since the Unix epoch
};

// The record of `line` (with or without its '\n'); nullopt when the line is not an event record
// of a type this build knows, with a valid received.at: a torn or foreign line, a rejection.
std::optional<StoredEvent> read_stored_event(std::string_view line);

// received.at of a stored record's line (an event's or a rejection's), as milliseconds since the
// Unix epoch; nullopt when the line has none that is RFC 3339.
std::optional<std::int64_t> received_at_ms(std::string_view line);

}  // namespace callsink
