// Fuzzes the pure path from a delivery's bytes to its stored line: parse_event, then the event
// or rejection encoder. Beyond "no crash, no sanitizer report", it checks the record contract:
// exactly one line, ending in '\n', that is itself valid JSON. And it holds the one-pass encoder
// (one_pass_encoder.hpp) to its promise: whatever it accepts, the general path accepts without
// notes and encodes to the same Record: the same bytes, summary and redelivery key, with privacy
// off, in mask mode and in hash mode.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "callsink/events/parse.hpp"
#include "callsink/ingest/ingest.hpp"
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

// With privacy on, the general path is ingest_general(): parse, protect, encode.
void check_privacy_agrees(std::string_view body, callsink::Received const& received,
                          callsink::MsisdnPrivacy const& privacy) {
    auto const one_pass = callsink::encode_one_pass(body, received, privacy);
    if (!one_pass) {
        return;
    }
    callsink::Ingested const general = callsink::ingest_general(body, received, privacy);
    if (general.rejection || !general.notes.empty() || one_pass->line != general.record.line ||
        !(one_pass->summary == general.record.summary) ||
        one_pass->redelivery_key != general.record.redelivery_key) {
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
    static callsink::MsisdnPrivacy const mask(callsink::MsisdnPolicy::mask);
    static callsink::MsisdnPrivacy const hash(callsink::MsisdnPolicy::hash,
                                              "fuzz key of 16+ bytes");
    check_privacy_agrees(body, received, mask);
    check_privacy_agrees(body, received, hash);
    if (parsed) {
        check_one_json_line(callsink::event_record(*parsed, received).line);
    } else {
        check_one_json_line(callsink::rejection_record(parsed.error(), body, received).line);
    }
    return 0;
}
