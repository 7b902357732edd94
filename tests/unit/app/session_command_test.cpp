// run_session_command with configurations parsed from text and a file sink's files written by
// hand: which sink it reads, what it prints for a session it finds, and the exit status and the
// message for one it does not, or for a configuration it cannot read from.
#include "callsink/app/session_command.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "temp_dir.hpp"

namespace callsink {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::TempDir;

constexpr char const* kStatus =
    R"({"namespace":"VOICE","eventType":"CALL_STATUS","payload":{"eventId":"e-1","callId":"c-1",)"
    R"("sessionId":"s-1","callStatus":"CALL_INITIATED","timestamp":"2024-03-25T06:01:30Z"},)"
    R"("received":{"at":"2024-03-25T06:01:30.100Z","path":"/status","remote":"127.0.0.1",)"
    R"("requestId":"r-1"}})";

Config config_of(std::string const& sinks, TempDir const& dir) {
    return parse_config(sinks, "test.toml", dir.path(),
                        [](std::string const&) { return std::optional<std::string>(); });
}

struct Outcome {
    int status;
    std::string out;
    std::string err;
};

Outcome run(Config const& config, SessionQuery const& query) {
    std::ostringstream out;
    std::ostringstream err;
    int const status = run_session_command(config, query, out, err);
    return {status, out.str(), err.str()};
}

TEST(SessionCommand, PrintsTheSessionFromTheFileSinksFiles) {
    TempDir dir;
    std::ofstream(dir / "events.jsonl.1") << kStatus << "\n";
    std::ofstream(dir / "events.jsonl") << R"({"payload":{"sessionId":"s-10"}})"
                                        << "\n";
    Config const config = config_of(
        "[[sinks]]\ntype = \"stdout\"\n[[sinks]]\ntype = \"file\"\npath = \"events.jsonl\"\n", dir);
    auto const text = run(config, {"s-1", false});
    EXPECT_EQ(text.status, 0) << text.err;
    EXPECT_THAT(text.out, StartsWith("session s-1: 1 event\n\nleg  call c-1\n"));
    EXPECT_EQ(text.err, "");
    auto const json = run(config, {"s-1", true});
    EXPECT_EQ(json.status, 0);
    EXPECT_THAT(json.out, StartsWith("{\n  \"sessionId\": \"s-1\""));
}

TEST(SessionCommand, ASessionWithoutEventsExits1NamingItAndTheFilesRead) {
    TempDir dir;
    std::ofstream(dir / "events.jsonl.1") << kStatus << "\n";
    std::ofstream(dir / "events.jsonl") << "\n";
    Config const config = config_of("[[sinks]]\ntype = \"file\"\npath = \"events.jsonl\"\n", dir);
    auto const outcome = run(config, {"s-2", false});
    EXPECT_EQ(outcome.status, 1);
    EXPECT_EQ(outcome.out, "");
    EXPECT_EQ(outcome.err, "callsink: no events for session s-2 in " +
                               (dir / "events.jsonl.1").string() + ", " +
                               (dir / "events.jsonl").string() + "\n");
}

TEST(SessionCommand, AnIdInsideAnotherSessionsIdIsNotThatSession) {
    TempDir dir;
    std::string status = kStatus;
    status.replace(status.find("\"s-1\""), 5, "\"s-10\"");
    std::ofstream(dir / "events.jsonl") << status << "\n";
    Config const config = config_of("[[sinks]]\ntype = \"file\"\npath = \"events.jsonl\"\n", dir);
    EXPECT_EQ(run(config, {"s-1", false}).status, 1);
    EXPECT_EQ(run(config, {"s-10", false}).status, 0);
}

TEST(SessionCommand, AConfigurationWithNothingToReadBackExits2) {
    TempDir dir;
    Config const config = config_of("[[sinks]]\ntype = \"stdout\"\nrequired = true\n", dir);
    auto const outcome = run(config, {"s-1", false});
    EXPECT_EQ(outcome.status, 2);
    EXPECT_THAT(outcome.err, HasSubstr("no file or postgres sink"));
}

}  // namespace
}  // namespace callsink
