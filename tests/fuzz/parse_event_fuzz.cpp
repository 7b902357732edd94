// Fuzzes the pure path from a delivery's bytes to its stored line: parse_event, then the event
// or rejection encoder. Beyond "no crash, no sanitizer report", it checks the record contract:
// exactly one line, ending in '\n', that is itself valid JSON. And it holds the one-pass encoder
// (one_pass_encoder.hpp) to its promise: whatever it accepts, the general path accepts without
// notes and encodes to the same Record: the same bytes, summary and redelivery key.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "callsink/events/parse.hpp"
#include "callsink/records/event_record.hpp"
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
    if (auto const one_pass = callsink::encode_one_pass(body, received)) {
        if (!parsed || !parsed->notes.empty()) {
            std::abort();
        }
        callsink::Record const general = callsink::event_record(*parsed, received);
        if (one_pass->line != general.line || !(one_pass->summary == general.summary) ||
            one_pass->redelivery_key != general.redelivery_key) {
            std::abort();
        }
    }
    if (parsed) {
        check_one_json_line(callsink::event_record(*parsed, received).line);
    } else {
        check_one_json_line(callsink::rejection_record(parsed.error(), body, received).line);
    }
    return 0;
}
