// The dead-letter file: each line is the record's stored line with "deadLetter" added last, read
// back byte for byte; a sink's refusals for good are written there (synced when asked), counted
// by sink and answered; a batch with nothing refused for good, or a file that cannot be written,
// stays failed; a flood is one log line a minute, with its count.
#include "callsink/sinks/dead_letter_file.hpp"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "captured_log.hpp"
#include "fake_sink.hpp"
#include "manual_clock.hpp"
#include "sample_records.hpp"
#include "temp_dir.hpp"

namespace callsink {
namespace {

using namespace std::chrono_literals;
using testing::FakeSink;
using testing::ManualClock;
using testing::sample_records;

std::chrono::system_clock::time_point fixed_time() {
    return std::chrono::sys_days{std::chrono::year{2026} / 12 / 7} + 18h + 20min + 1s + 123ms;
}

std::vector<std::string> lines_of_file(std::filesystem::path const& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

TEST(DeadLetterLine, IsTheStoredLineWithDeadLetterAddedAsItsLastMember) {
    DeadLetter const letter{"kafka events on k:9092", 2, "Broker: Message size too large",
                            "2026-12-07T18:20:01.123Z"};
    EXPECT_EQ(dead_letter_line("{\"eventType\":\"CALL_STATUS\",\"n\":1}\n", letter),
              R"({"eventType":"CALL_STATUS","n":1,"deadLetter":{"sink":"kafka events on k:9092",)"
              R"("sinkIndex":2,"error":"Broker: Message size too large",)"
              R"("at":"2026-12-07T18:20:01.123Z"}})"
              "\n");
}

TEST(DeadLetterLine, EscapesTheSinksWords) {
    DeadLetter const letter{"postgres", 0, "ERROR: \"quoted\"\tand a \\", "t"};
    std::string const line = dead_letter_line("{\"a\":1}\n", letter);
    auto const json = nlohmann::json::parse(line);
    EXPECT_EQ(json["deadLetter"]["error"], "ERROR: \"quoted\"\tand a \\");
}

TEST(DeadLetterLine, ReadsBackTheStoredLineByteForByte) {
    // A record holding \u0000, spaces, and a member named deadLetter of its own.
    std::string const stored =
        "{\"payload\":{\"eventData\":\"a\\u0000b\",\"deadLetter\":{\"x\":1}}, \"n\" : 1.50}\n";
    DeadLetter const letter{"postgres h:5432/db schema callsink", 1, "SQLSTATE 23514: ERROR: no",
                            "2026-12-07T18:20:01.123Z"};
    auto const read = parse_dead_letter_line(dead_letter_line(stored, letter));
    ASSERT_TRUE(read);
    EXPECT_EQ(read->record_line, stored);
    EXPECT_EQ(read->letter.sink, letter.sink);
    EXPECT_EQ(read->letter.sink_index, 1u);
    EXPECT_EQ(read->letter.error, letter.error);
    EXPECT_EQ(read->letter.at, letter.at);
}

TEST(DeadLetterLine, ALineWithoutTheMemberOrTornIsNotOne) {
    EXPECT_FALSE(parse_dead_letter_line("{\"eventType\":\"CALL_STATUS\"}\n"));
    std::string const line =
        dead_letter_line("{\"n\":1}\n", DeadLetter{"kafka", 0, "too large", "t"});
    EXPECT_FALSE(parse_dead_letter_line(line.substr(0, line.size() - 5)));
    EXPECT_FALSE(parse_dead_letter_line(R"({"n":1,"deadLetter":{"sink":"kafka"}})"));
}

class DeadLetterFileTest : public ::testing::Test {
  protected:
    DeadLetterFile& file(bool sync = false) {
        file_.emplace(DeadLetterOptions{dir_ / "sub" / "dead-letter.jsonl", sync}, logger_,
                      metrics_, clock_, [] { return fixed_time(); });
        return *file_;
    }

    testing::TempDir dir_;
    testing::CapturedLog log_;
    std::shared_ptr<spdlog::logger> logger_ = log_.logger();
    Metrics metrics_;
    ManualClock clock_;
    std::optional<DeadLetterFile> file_;
};

TEST_F(DeadLetterFileTest, WritesEachRecordTheSinkRefusedForGoodAndAnswersTheBatch) {
    for (bool sync : {false, true}) {
        SCOPED_TRACE(sync ? "synced" : "written");
        std::filesystem::remove_all(dir_ / "sub");
        DeadLetterRoute const route = file(sync).route("fake sink", 3);
        FakeSink sink("fake sink");
        sink.refuse_for_good("\"n\":2}", "too large");
        auto const batch = sample_records(1, 3);
        auto const ec = sink.write(batch);
        ASSERT_TRUE(ec);
        EXPECT_FALSE(route.take_refused(sink, batch, ec));
        auto const lines = lines_of_file(dir_ / "sub" / "dead-letter.jsonl");
        ASSERT_EQ(lines.size(), 1u);
        auto const read = parse_dead_letter_line(lines[0]);
        ASSERT_TRUE(read);
        EXPECT_EQ(read->record_line, batch[1].line);
        EXPECT_EQ(read->letter.sink, "fake sink");
        EXPECT_EQ(read->letter.sink_index, 3u);
        EXPECT_EQ(read->letter.error, "too large");
        EXPECT_EQ(read->letter.at, "2026-12-07T18:20:01.123Z");
        EXPECT_EQ(sink.lines(), (std::vector<std::string>{batch[0].line, batch[2].line}));
    }
}

TEST_F(DeadLetterFileTest, CountsEachSinksDeadLettersUnderItsName) {
    DeadLetterFile& dead_letters = file();
    DeadLetterRoute const first = dead_letters.route("first sink", 0);
    DeadLetterRoute const second = dead_letters.route("second sink", 1);
    FakeSink sink("second sink");
    sink.refuse_for_good("CALL_STATUS", "refused");
    auto const batch = sample_records(1, 2);
    EXPECT_FALSE(second.take_refused(sink, batch, sink.write(batch)));
    EXPECT_EQ(metrics_.value(Counter::sink_dead_letters, 0), 0u);
    EXPECT_EQ(metrics_.value(Counter::sink_dead_letters, 1), 2u);
    std::string const rendered = metrics_.render();
    EXPECT_NE(rendered.find("callsink_sink_dead_letter_total{sink=\"first sink\"} 0"),
              std::string::npos)
        << rendered;
    EXPECT_NE(rendered.find("callsink_sink_dead_letter_total{sink=\"second sink\"} 2"),
              std::string::npos)
        << rendered;
    (void)first;
}

TEST_F(DeadLetterFileTest, AFailureThatIsNotARefusalForGoodStaysAFailure) {
    DeadLetterRoute const route = file().route("fake sink", 0);
    FakeSink sink("fake sink");
    sink.fail_with(boost::asio::error::connection_refused);
    auto const batch = sample_records(1, 2);
    auto const ec = sink.write(batch);
    EXPECT_EQ(route.take_refused(sink, batch, ec), ec);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "sub" / "dead-letter.jsonl"));
}

TEST_F(DeadLetterFileTest, WithoutARouteARefusalStaysAFailure) {
    FakeSink sink("fake sink");
    sink.refuse_for_good("CALL_STATUS", "refused");
    auto const batch = sample_records(1, 1);
    auto const ec = sink.write(batch);
    ASSERT_TRUE(ec);
    EXPECT_EQ(DeadLetterRoute{}.take_refused(sink, batch, ec), ec);
}

TEST_F(DeadLetterFileTest, AFileThatCannotBeWrittenLeavesTheBatchFailedAndSaysSoOnce) {
    std::ofstream(dir_ / "sub") << "a file where the folder should be";
    DeadLetterRoute const route = file().route("fake sink", 0);
    FakeSink sink("fake sink");
    sink.refuse_for_good("CALL_STATUS", "refused");
    auto const batch = sample_records(1, 1);
    for (int attempt = 0; attempt < 3; ++attempt) {
        auto const ec = sink.write(batch);
        EXPECT_EQ(route.take_refused(sink, batch, ec), ec);
    }
    EXPECT_EQ(log_.lines_with("cannot write to the dead-letter file"), 1u) << log_.text();
    EXPECT_EQ(metrics_.value(Counter::sink_dead_letters, 0), 0u);
}

TEST_F(DeadLetterFileTest, AFloodIsOneLogLineAMinuteWithItsCount) {
    DeadLetterRoute const route = file().route("fake sink", 0);
    FakeSink sink("fake sink");
    sink.refuse_for_good("CALL_STATUS", "refused");
    auto const write_one = [&](int n) {
        auto const batch = sample_records(n, 1);
        EXPECT_FALSE(route.take_refused(sink, batch, sink.write(batch)));
    };
    write_one(1);
    EXPECT_EQ(log_.lines_with("fake sink: 1 record(s) it refuses for good"), 1u) << log_.text();
    for (int n = 2; n <= 50; ++n) {
        write_one(n);
        clock_.advance(1s);
    }
    EXPECT_EQ(log_.lines_with("refuses for good"), 1u) << log_.text();
    clock_.advance(11s);  // a minute since the first line
    write_one(51);
    EXPECT_EQ(log_.lines_with("fake sink: 50 record(s) it refuses for good"), 1u) << log_.text();
    EXPECT_EQ(log_.lines_with("refuses for good"), 2u);
    EXPECT_EQ(lines_of_file(dir_ / "sub" / "dead-letter.jsonl").size(), 51u);
    EXPECT_EQ(metrics_.value(Counter::sink_dead_letters, 0), 51u);
}

}  // namespace
}  // namespace callsink
