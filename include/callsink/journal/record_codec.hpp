// A Record (records/record.hpp) as the bytes a journal frame carries, and back: everything a sink
// rebuilds the record from after a restart, namely its kind, its line, its redelivery key, its
// request id, and its summary (the event type, by name, so that a journal outlives a build that
// numbers the types differently; the ids; the summary fields, whose labels are matched back to
// the type's static ones).
//
// Layout, integers little-endian: kind (1 byte), redelivery key (8 + 8), event type (2-byte
// length + name), event id and session id (4-byte length + text each), summary field count
// (1 byte) and each field (2-byte label length + label, 4-byte value length + value), request id
// (4-byte length + text), then the line, to the end. The frame around it (journal_frame.hpp)
// carries its length and checksum.
//
// Pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "callsink/records/record.hpp"

namespace callsink {

// Appends the encoding of `record` to `out`.
void encode_record(Record const& record, std::string& out);

// The record `bytes` encode; nullopt when they do not hold one (a length past the end). An event
// type this build does not know keeps its line and key but no summary: the sinks that need one
// are told by its empty type.
std::optional<Record> decode_record(std::string_view bytes);

}  // namespace callsink
