// run_replay_command in process, with configurations parsed from text and file sinks only (no
// network): a file sink's files replayed into another file sink, oldest first, with the summary;
// the rejects file's bodies that now parse; the exit status and the message for bad flags, a sink
// that cannot be opened and nothing to read from.
#include "callsink/app/replay_command.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <fstream>
#include <sstream>
#include <string>

#include "callsink/records/event_record.hpp"
#include "fixtures.hpp"
#include "parsed.hpp"
#include "temp_dir.hpp"

namespace callsink {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

Config config_of(std::string const& text, TempDir const& dir) {
    return parse_config(text, "test.toml", dir.path(),
                        [](std::string const&) { return std::optional<std::string>(); });
}

// Two file sinks: events.jsonl, whose files are read, and copy.jsonl, sinks[1].
std::string const kTwoFiles = R"(
[rejects]
path = "rejects.jsonl"
[[sinks]]
type = "file"
path = "events.jsonl"
[[sinks]]
type = "file"
path = "copy.jsonl"
)";

std::string line_of(std::string const& event_id) {
    Event event = testing::parsed(testing::fixture("call_status_2026.json"));
    std::get<CallStatus>(event.payload).event_id = event_id;
    return event_record(event, Received{"2026-12-01T10:00:00.000Z", "/status", "203.0.113.7",
                                        "req-" + event_id})
        .line;
}

void write(std::filesystem::path const& path, std::string const& text) {
    std::ofstream(path, std::ios::binary) << text;
}

struct Outcome {
    int status;
    std::string err;
};

Outcome run(Config const& config, ReplayRequest const& request) {
    std::ostringstream err;
    auto const logger =
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    int const status = run_replay_command(config, request, logger, err);
    return {status, err.str()};
}

ReplayRequest to_sink(std::size_t index) {
    ReplayRequest request;
    request.sink = index;
    return request;
}

TEST(ReplayCommand, SendsAFileSinksFilesOldestFirstToAnotherSinkAndSummarises) {
    TempDir dir;
    write(dir / "events.jsonl.1", line_of("a") + line_of("b"));
    write(dir / "events.jsonl", line_of("c") + "torn");
    Outcome const outcome = run(config_of(kTwoFiles, dir), to_sink(1));
    EXPECT_EQ(outcome.status, 0) << outcome.err;
    EXPECT_EQ(testing::read_file(dir / "copy.jsonl"), line_of("a") + line_of("b") + line_of("c"));
    EXPECT_THAT(outcome.err, HasSubstr("3 record(s) to send, 1 unreadable"));
    EXPECT_THAT(outcome.err, HasSubstr("sinks[1] (file " + (dir / "copy.jsonl").string() +
                                       "): 3 sent, 0 failed (copies are not counted here, and "
                                       "this sink keeps them)"));
}

TEST(ReplayCommand, StoresTheRejectedBodiesThatNowParseInEverySink) {
    TempDir dir;
    Received const kept{"2026-11-30T08:00:00.001Z", "/status", "198.51.100.4", "req-kept"};
    Rejection const then{RejectCode::invalid_value, "payload.callType", "not then"};
    write(dir / "rejects.jsonl",
          rejection_record(then, testing::fixture("call_status_2026.json"), kept).line +
              rejection_record(then, "[]", kept).line);
    ReplayRequest request;
    request.form = ReplayRequest::Form::rejects;
    Outcome const outcome = run(config_of(kTwoFiles, dir), request);
    EXPECT_EQ(outcome.status, 0) << outcome.err;
    std::string const copy = testing::read_file(dir / "copy.jsonl");
    EXPECT_EQ(testing::read_file(dir / "events.jsonl"), copy);
    EXPECT_THAT(copy, HasSubstr(R"("requestId":"req-kept"})"));
    EXPECT_THAT(outcome.err, HasSubstr("1 body(ies) still rejected"));
    EXPECT_THAT(outcome.err, HasSubstr("  1 not_an_object (e.g. "));
}

TEST(ReplayCommand, BadFlagsAndNothingToReadFromAreExitStatus2) {
    TempDir dir;
    Config const config = config_of(kTwoFiles, dir);
    EXPECT_EQ(run(config, to_sink(2)).status, 2);
    ReplayRequest bad_time = to_sink(1);
    bad_time.from = "2026-12-01";
    Outcome const outcome = run(config, bad_time);
    EXPECT_EQ(outcome.status, 2);
    EXPECT_THAT(outcome.err, HasSubstr("--from 2026-12-01: not an RFC 3339 time"));
    Config const one = config_of("[[sinks]]\ntype = \"file\"\npath = \"events.jsonl\"\n", dir);
    EXPECT_THAT(run(one, to_sink(0)).err, HasSubstr("no [journal] and no other file sink"));
}

TEST(ReplayCommand, ASinkThatCannotBeOpenedIsExitStatus1SayingWhich) {
    TempDir dir;
    write(dir / "blocker", "a file where a folder should be");
    Config const config = config_of(R"(
[[sinks]]
type = "file"
path = "events.jsonl"
[[sinks]]
type = "file"
path = "blocker/copy.jsonl"
)",
                                    dir);
    Outcome const outcome = run(config, to_sink(1));
    EXPECT_EQ(outcome.status, 1);
    EXPECT_THAT(outcome.err, HasSubstr("cannot open sinks[1]"));
}

}  // namespace
}  // namespace callsink
