// Reads back a rejection record as the rejects file stores it (docs/records.md, "Rejection
// records"): the delivery as it arrived (its raw body, decoded from body_base64 when it was not
// UTF-8, and its `received` data) and why it was rejected then. `callsink replay --rejects` runs
// such a body through today's parser again, with its original `received`.
//
// Pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "callsink/records/record.hpp"

namespace callsink {

struct StoredRejection {
    Received received;
    std::string body;        // the raw body, byte for byte
    std::string error_code;  // error.code when it was rejected, e.g. "missing_field"
};

// The rejection `line` holds (with or without its '\n'); nullopt when the line is not a rejection
// record: not JSON, no `received` object, or neither a text `body` nor a valid `body_base64`.
std::optional<StoredRejection> read_stored_rejection(std::string_view line);

}  // namespace callsink
