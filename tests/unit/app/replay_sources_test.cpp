// The sources of `callsink replay` over real files in a temporary folder: a file sink's files
// and rotations read back into their records, oldest first; the time range, from included and to
// excluded, on each source; the journal's damage passed over and counted; the rejects file's
// bodies through today's parser, with their `received` data, the rest grouped by reason; the
// dead-letter file's records of one sink, the others' left alone.
#include "callsink/app/replay_sources.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "callsink/base/rfc3339.hpp"
#include "callsink/journal/journal_frame.hpp"
#include "callsink/records/event_record.hpp"
#include "callsink/records/stored_event.hpp"
#include "callsink/sinks/dead_letter_file.hpp"
#include "fixtures.hpp"
#include "parsed.hpp"
#include "temp_dir.hpp"

namespace callsink {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;

// A CALL_STATUS record numbered `n`, received at second `n` of 2026-12-01T10:00.
Record call_status(int n) {
    Event event = testing::parsed(testing::fixture("call_status_2026.json"));
    std::get<CallStatus>(event.payload).event_id = "event-" + std::to_string(n);
    char at[32];
    std::snprintf(at, sizeof at, "2026-12-01T10:00:%02d.000Z", n);
    Record record =
        event_record(event, Received{at, "/status", "203.0.113.7", "req-" + std::to_string(n)});
    record.request_id = "req-" + std::to_string(n);  // as ingest sets it
    return record;
}

std::int64_t at_second(int n) {
    return *rfc3339::to_unix_ms("2026-12-01T10:00:" + std::string(n < 10 ? "0" : "") +
                                std::to_string(n) + "Z");
}

void write(fs::path const& path, std::string const& text) {
    std::ofstream(path, std::ios::binary) << text;
}

// The request ids of what a source hands over, in order.
struct Collected {
    std::vector<std::string> request_ids;
    std::vector<Record> records;
    RecordHandler handler() {
        return [this](Record&& record) {
            request_ids.push_back(record.request_id);
            records.push_back(std::move(record));
            return true;
        };
    }
};

TEST(FileSinkRecords, AreTheRecordsOfTheFilesOldestFirstWithTheirKeys) {
    TempDir dir;
    write(dir / "events.jsonl.2", call_status(1).line + call_status(2).line);
    write(dir / "events.jsonl.1", call_status(3).line + "a torn line\n");
    write(dir / "events.jsonl", call_status(4).line);
    Collected got;
    SourceRead const read = file_sink_records(dir / "events.jsonl", {}, got.handler());
    EXPECT_THAT(got.request_ids, ElementsAre("req-1", "req-2", "req-3", "req-4"));
    EXPECT_EQ(got.records[0].line, call_status(1).line);
    EXPECT_EQ(got.records[0].redelivery_key, call_status(1).redelivery_key);
    EXPECT_EQ(read.handed, 4u);
    EXPECT_EQ(read.unreadable, 1u);
    EXPECT_EQ(read.outside, 0u);
    EXPECT_THAT(read.description, HasSubstr((dir / "events.jsonl.2").string()));
}

TEST(FileSinkRecords, TheTimeRangeIncludesFromAndExcludesTo) {
    TempDir dir;
    std::string lines;
    for (int n = 1; n <= 6; ++n) {
        lines += call_status(n).line;
    }
    write(dir / "events.jsonl", lines);
    Collected got;
    SourceRead const read = file_sink_records(dir / "events.jsonl",
                                              TimeRange{at_second(2), at_second(5)}, got.handler());
    EXPECT_THAT(got.request_ids, ElementsAre("req-2", "req-3", "req-4"));
    EXPECT_EQ(read.outside, 3u);
    Collected open_end;
    file_sink_records(dir / "events.jsonl", TimeRange{at_second(5), std::nullopt},
                      open_end.handler());
    EXPECT_THAT(open_end.request_ids, ElementsAre("req-5", "req-6"));
}

fs::path segment(fs::path const& folder, std::uint64_t first) {
    char name[64];
    std::snprintf(name, sizeof name, "segment-%020" PRIu64 ".journal", first);
    return folder / name;
}

TEST(JournalRecords, FilterByTheReceivedTimeAndPassOverDamage) {
    TempDir dir;
    std::string bytes;
    std::vector<std::size_t> starts;
    for (int n = 1; n <= 5; ++n) {
        starts.push_back(bytes.size());
        append_frame(static_cast<std::uint64_t>(n), 0, call_status(n), bytes);
    }
    bytes[starts[3] + kFrameHeaderBytes + 40] ^= 1;              // record 4 damaged
    write(segment(dir.path(), 1), bytes + bytes.substr(0, 20));  // and a torn tail
    Collected got;
    SourceRead const read =
        journal_records(dir.path(), TimeRange{at_second(2), std::nullopt}, got.handler());
    EXPECT_THAT(got.request_ids, ElementsAre("req-2", "req-3", "req-5"));
    EXPECT_EQ(read.outside, 1u);
    EXPECT_EQ(read.unreadable, 1u);
    EXPECT_EQ(got.records[0].redelivery_key, call_status(2).redelivery_key);
}

TEST(RejectedRecords, BodiesThatNowParseAreEventsWithTheirReceivedDataAndTheRestGroupedByReason) {
    TempDir dir;
    Received const kept{"2026-11-30T08:00:00.001Z", "/status", "198.51.100.4", "req-kept"};
    Rejection const then{RejectCode::invalid_value, "payload.callType", "not then"};
    std::string const valid = testing::fixture("call_status_2026.json");
    std::string const missing =
        R"({"eventType":"CALL_STATUS","payload":{"eventId":"x","sessionId":"s"}})";
    write(dir / "rejects.jsonl", rejection_record(then, valid, kept).line +
                                     rejection_record(then, missing, kept).line +
                                     rejection_record(then, "not json", kept).line +
                                     rejection_record(then, missing, kept).line + "a torn line");
    MsisdnPrivacy const clear(MsisdnPolicy::clear);
    Collected got;
    RejectsRead const read = rejected_records(dir / "rejects.jsonl", clear, {}, got.handler());
    ASSERT_EQ(got.records.size(), 1u);
    std::optional<StoredEvent> const stored = read_stored_event(got.records[0].line);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->record.request_id, "req-kept");
    EXPECT_THAT(got.records[0].line,
                HasSubstr(R"("received":{"at":"2026-11-30T08:00:00.001Z","path":"/status",)"
                          R"("remote":"198.51.100.4","requestId":"req-kept"})"));
    EXPECT_EQ(read.handed, 1u);
    EXPECT_EQ(read.unreadable, 1u);
    ASSERT_EQ(read.still_rejected.size(), 2u);
    EXPECT_EQ(read.still_rejected.at("invalid_json").count, 1u);
    auto const& missing_call_id = read.still_rejected.at("missing_field at payload.callId");
    EXPECT_EQ(missing_call_id.count, 2u);
    EXPECT_THAT(missing_call_id.example, HasSubstr("payload.callId"));

    Collected later;
    RejectsRead const none = rejected_records(
        dir / "rejects.jsonl", clear, TimeRange{at_second(0), std::nullopt}, later.handler());
    EXPECT_TRUE(later.records.empty());
    EXPECT_EQ(none.outside, 4u);
}

DeadLetter letter_of(std::size_t sink) {
    return DeadLetter{"sink " + std::to_string(sink), sink, "Broker: Message size too large",
                      "2026-12-07T18:20:01.123Z"};
}

TEST(DeadLetterRecords, AreTheRecordsOneSinkRefusedByteForByteWithTheirKeys) {
    TempDir dir;
    write(dir / "dead-letter.jsonl", dead_letter_line(call_status(1).line, letter_of(1)) +
                                         dead_letter_line(call_status(2).line, letter_of(0)) +
                                         dead_letter_line(call_status(3).line, letter_of(1)) +
                                         call_status(4).line +
                                         dead_letter_line(call_status(5).line, letter_of(1)));
    Collected got;
    DeadLettersRead const read = dead_letter_records(
        dir / "dead-letter.jsonl", 1, TimeRange{std::nullopt, at_second(5)}, got.handler());
    EXPECT_THAT(got.request_ids, ElementsAre("req-1", "req-3"));
    EXPECT_EQ(got.records[1].line, call_status(3).line);
    EXPECT_EQ(got.records[1].redelivery_key, call_status(3).redelivery_key);
    EXPECT_EQ(read.other_sinks, 1u);
    EXPECT_EQ(read.unreadable, 1u);  // a line without its deadLetter member
    EXPECT_EQ(read.outside, 1u);
}

}  // namespace
}  // namespace callsink
