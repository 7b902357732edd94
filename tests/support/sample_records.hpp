// Records as the encoders make them, without going through one: a CALL_STATUS event with its
// summary, ids, redelivery key and request id, numbered so that each is told apart, for the tests
// of what stores and carries records (the journal, its forwarders).
#pragma once

#include <string>
#include <vector>

#include "callsink/events/event_types.hpp"
#include "callsink/records/record.hpp"

namespace callsink::testing {

inline Record sample_record(int n, std::size_t line_bytes = 0) {
    EventType const& type = *find_event_type("CALL_STATUS");
    Record record;
    record.kind = RecordKind::event;
    record.line = R"({"eventType":"CALL_STATUS","n":)" + std::to_string(n);
    if (line_bytes > record.line.size() + 12) {
        record.line +=
            R"(,"pad":")" + std::string(line_bytes - record.line.size() - 12, 'x') + "\"";
    }
    record.line += "}\n";
    record.summary.event_type = type.identity.name;
    record.summary.type_index = type.index;
    record.summary.set_ids("event-" + std::to_string(n), "session-" + std::to_string(n % 3));
    for (SummaryField const& field : type.identity.summary) {
        record.summary.add(field.label, "value-" + std::to_string(n));
    }
    record.redelivery_key = RedeliveryKey{0x1000u + static_cast<unsigned>(n), 0x2000};
    record.request_id = "request-" + std::to_string(n);
    return record;
}

inline std::vector<Record> sample_records(int first, int count, std::size_t line_bytes = 0) {
    std::vector<Record> records;
    for (int n = first; n < first + count; ++n) {
        records.push_back(sample_record(n, line_bytes));
    }
    return records;
}

// The `n` of a sample record's line.
inline int sample_number(Record const& record) {
    auto const at = record.line.find("\"n\":") + 4;
    return std::stoi(record.line.substr(at));
}

}  // namespace callsink::testing
