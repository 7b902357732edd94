// Fuzzes the pure path from a delivery's bytes to its stored line: parse_event, then the event
// or rejection encoder. Beyond "no crash, no sanitizer report", it checks the record contract:
// exactly one line, ending in '\n', that is itself valid JSON. And it holds the one-pass encoder
// (fast_record.hpp) to its promise: whatever it accepts, the general path accepts without notes
// and encodes to the same bytes, with the same fields for the log summary and redelivery key.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "callsink/events/parse.hpp"
#include "callsink/records/record.hpp"
#include "callsink/records/one_pass_encoder.hpp"

namespace {

void check_one_json_line(std::string const& line) {
    if (line.empty() || line.back() != '\n' || line.find('\n') != line.size() - 1) {
        std::abort();
    }
    if (callsink::Json::parse(line, nullptr, false).is_discarded()) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view const body(reinterpret_cast<char const*>(data), size);
    callsink::Received const received{"2026-11-22T18:00:00.000Z", "/status", "127.0.0.1", "fuzz"};
    auto const parsed = callsink::parse_event(body);
    if (auto const fast = callsink::encode_fast_record(body, received)) {
        if (!parsed || !parsed->notes.empty() ||
            fast->line != callsink::encode_event_record(*parsed, received) ||
            fast->fields != callsink::event_fields(*parsed)) {
            std::abort();
        }
    }
    if (parsed) {
        check_one_json_line(callsink::encode_event_record(*parsed, received));
    } else {
        check_one_json_line(callsink::encode_rejection_record(parsed.error(), body, received));
    }
    return 0;
}
