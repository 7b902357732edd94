#include "callsink/ops/metrics.hpp"

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <set>
#include <sstream>

#include "fixtures.hpp"

namespace callsink {
namespace {

using namespace std::chrono_literals;

bool has_line(std::string const& text, std::string const& line) {
    std::istringstream lines(text);
    for (std::string l; std::getline(lines, l);) {
        if (l == line) {
            return true;
        }
    }
    return false;
}

constexpr std::array<std::string_view, 2> kTypes{"CALL_STATUS", "SESSION_SUMMARY"};
constexpr std::array<std::string_view, 2> kCodes{"invalid_json", "missing_field"};

TEST(Metrics, CountsEventsDuplicatesAndRejectsByTheLabelsItWasGiven) {
    Metrics metrics(kTypes, kCodes);
    metrics.add(Counter::events, 0);
    metrics.add(Counter::events, 0);
    metrics.add(Counter::events, 1);
    metrics.add(Counter::duplicates, 1);
    metrics.add(Counter::rejects, 1);
    std::string const text = metrics.render();
    EXPECT_TRUE(has_line(text, R"(callsink_events_total{event_type="CALL_STATUS"} 2)")) << text;
    EXPECT_TRUE(has_line(text, R"(callsink_events_total{event_type="SESSION_SUMMARY"} 1)"));
    EXPECT_TRUE(has_line(text, R"(callsink_duplicates_total{event_type="CALL_STATUS"} 0)"));
    EXPECT_TRUE(has_line(text, R"(callsink_duplicates_total{event_type="SESSION_SUMMARY"} 1)"));
    EXPECT_TRUE(has_line(text, R"(callsink_rejects_total{code="missing_field"} 1)"));
    EXPECT_TRUE(has_line(text, R"(callsink_rejects_total{code="invalid_json"} 0)"));
    EXPECT_EQ(metrics.value(Counter::events, 0), 2u);
    EXPECT_EQ(metrics.value(Counter::duplicates, 1), 1u);
    EXPECT_EQ(metrics.value(Counter::rejects, 1), 1u);
}

TEST(Metrics, AnIndexWithoutALabelIsNotCounted) {
    Metrics metrics(kTypes, kCodes);
    metrics.add(Counter::events, 2);
    metrics.add(Counter::rejects, 7);
    EXPECT_EQ(metrics.value(Counter::events, 2), 0u);
    EXPECT_EQ(metrics.value(Counter::rejects, 7), 0u);
    std::string const text = metrics.render();
    EXPECT_TRUE(has_line(text, R"(callsink_events_total{event_type="CALL_STATUS"} 0)")) << text;
    EXPECT_TRUE(has_line(text, R"(callsink_events_total{event_type="SESSION_SUMMARY"} 0)"));
    EXPECT_EQ(text.find("callsink_events_total{event_type=\"\"}"), std::string::npos);
}

TEST(Metrics, PrintsValuesExactly) {
    Metrics metrics;
    // A start time with milliseconds: %.9g printed 1.76459427e+09, 1.9 s off.
    metrics.add_gauge("start_seconds", "A time.", [] { return 1764594268.123; });
    metrics.add_gauge("big_bytes", "A size.", [] { return 123456789012.0; });
    metrics.add_gauge("ratio", "A fraction.", [] { return 0.1; });
    std::string const text = metrics.render();
    EXPECT_TRUE(has_line(text, "start_seconds 1764594268.123")) << text;
    EXPECT_TRUE(has_line(text, "big_bytes 123456789012")) << text;
    EXPECT_TRUE(has_line(text, "ratio 0.1")) << text;
}

TEST(Metrics, EveryFamilyHasHelpAndTypeBeforeItsSamples) {
    Metrics metrics;
    metrics.add_sink("file /tmp/x");
    metrics.add_gauge("callsink_queue_depth", "Records waiting.", [] { return 3.0; });
    std::istringstream lines(metrics.render());
    std::set<std::string> typed;
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("# TYPE ", 0) == 0) {
            typed.insert(line.substr(7, line.find(' ', 7) - 7));
            continue;
        }
        if (line.empty() || line[0] == '#') {
            continue;
        }
        std::string name = line.substr(0, line.find_first_of("{ "));
        for (char const* suffix : {"_bucket", "_sum", "_count"}) {
            std::string const s(suffix);
            if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0 &&
                typed.contains(name.substr(0, name.size() - s.size()))) {
                name = name.substr(0, name.size() - s.size());
            }
        }
        EXPECT_TRUE(typed.contains(name)) << line;
    }
    EXPECT_TRUE(typed.contains("callsink_queue_depth"));
}

TEST(Metrics, TheDurationHistogramIsCumulative) {
    Metrics metrics;
    metrics.observe_request(200, 300us);
    metrics.observe_request(200, 3ms);
    metrics.observe_request(503, 10s);
    std::string const text = metrics.render();
    EXPECT_TRUE(has_line(text, R"(callsink_request_duration_seconds_bucket{le="0.0005"} 1)"))
        << text;
    EXPECT_TRUE(has_line(text, R"(callsink_request_duration_seconds_bucket{le="0.005"} 2)"));
    EXPECT_TRUE(has_line(text, R"(callsink_request_duration_seconds_bucket{le="5"} 2)"));
    EXPECT_TRUE(has_line(text, R"(callsink_request_duration_seconds_bucket{le="+Inf"} 3)"));
    EXPECT_TRUE(has_line(text, R"(callsink_request_duration_seconds_count 3)"));
    EXPECT_TRUE(has_line(text, R"(callsink_http_requests_total{code="200"} 2)"));
    EXPECT_TRUE(has_line(text, R"(callsink_http_requests_total{code="503"} 1)"));
}

TEST(Metrics, UnlistedStatusCodesCountAsOther) {
    Metrics metrics;
    metrics.observe_request(418, 1ms);
    EXPECT_EQ(metrics.value(Counter::requests, Metrics::status_label(418)), 1u);
    EXPECT_TRUE(has_line(metrics.render(), R"(callsink_http_requests_total{code="other"} 1)"));
}

TEST(Metrics, EscapesSinkNamesInLabels) {
    Metrics metrics;
    std::size_t const sink = metrics.add_sink("file /tmp/a\"b\\c");
    metrics.add(Counter::sink_errors, sink);
    EXPECT_TRUE(
        has_line(metrics.render(), R"(callsink_sink_errors_total{sink="file /tmp/a\"b\\c"} 1)"));
}

TEST(Metrics, TellsRefusalsApartByReason) {
    Metrics metrics;
    metrics.refuse(Refusal::memory);
    metrics.refuse(Refusal::queue_full);
    metrics.refuse(Refusal::queue_full);
    metrics.refuse(Refusal::storage);
    metrics.refuse(Refusal::storage);
    metrics.refuse(Refusal::storage);
    metrics.refuse(Refusal::shutdown);
    metrics.refuse(Refusal::auth);
    std::string const text = metrics.render();
    EXPECT_TRUE(has_line(text, R"(callsink_refused_total{reason="memory"} 1)")) << text;
    EXPECT_TRUE(has_line(text, R"(callsink_refused_total{reason="queue_full"} 2)"));
    EXPECT_TRUE(has_line(text, R"(callsink_refused_total{reason="storage"} 3)"));
    EXPECT_TRUE(has_line(text, R"(callsink_refused_total{reason="shutdown"} 1)"));
    EXPECT_TRUE(has_line(text, R"(callsink_refused_total{reason="auth"} 1)"));
    EXPECT_TRUE(has_line(text, R"(callsink_refused_total{reason="address"} 0)"));
    EXPECT_EQ(metrics.refused(Refusal::queue_full), 2u);
    EXPECT_EQ(metrics.refused(Refusal::storage), 3u);
    EXPECT_EQ(metrics.refused(Refusal::shutdown), 1u);
}

TEST(Metrics, SaysWhetherEachSinkIsUpAndRequired) {
    Metrics metrics;
    bool events_up = true;
    SinkReadings events;
    events.up = [&events_up] { return events_up; };
    metrics.add_sink("file /tmp/events.jsonl", std::move(events));
    SinkReadings log;
    log.required = false;
    metrics.add_sink("log", std::move(log));  // no reading: always up
    std::string text = metrics.render();
    EXPECT_TRUE(
        has_line(text, R"(callsink_sink_up{sink="file /tmp/events.jsonl",required="true"} 1)"))
        << text;
    EXPECT_TRUE(has_line(text, R"(callsink_sink_up{sink="log",required="false"} 1)")) << text;
    events_up = false;
    text = metrics.render();
    EXPECT_TRUE(
        has_line(text, R"(callsink_sink_up{sink="file /tmp/events.jsonl",required="true"} 0)"))
        << text;
}

TEST(Metrics, ReadsTheFreeSpaceOfEachFileSinksFilesystem) {
    Metrics metrics;
    SinkReadings file;
    file.file = (std::filesystem::path(::testing::TempDir()) / "events.jsonl").string();
    metrics.add_sink("file", std::move(file));
    SinkReadings gone;
    gone.file = "/nonexistent-callsink-folder/events.jsonl";
    metrics.add_sink("gone", std::move(gone));
    metrics.add_sink("log");
    std::string const text = metrics.render();
    auto const value = [&text](std::string const& prefix) -> double {
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);) {
            if (line.rfind(prefix, 0) == 0) {
                return std::stod(line.substr(prefix.size()));
            }
        }
        ADD_FAILURE() << "no line starting " << prefix << " in\n" << text;
        return -1;
    };
    double const avail = value(R"(callsink_sink_filesystem_avail_bytes{sink="file"} )");
    double const size = value(R"(callsink_sink_filesystem_size_bytes{sink="file"} )");
    EXPECT_GT(size, 0);
    EXPECT_GE(avail, 0);
    EXPECT_LE(avail, size);
    // A folder that cannot be read shows no sample, and a sink without a file has none.
    EXPECT_EQ(text.find(R"(filesystem_avail_bytes{sink="gone"})"), std::string::npos) << text;
    EXPECT_EQ(text.find(R"(filesystem_avail_bytes{sink="log"})"), std::string::npos) << text;
}

// Every family /metrics renders is one an operator can look up: docs/operations.md's table
// names it.
TEST(Metrics, EveryFamilyIsDescribedInTheOperationsGuide) {
    Metrics metrics(kTypes, kCodes);
    SinkReadings file_sink;
    file_sink.file = "events.jsonl";
    metrics.add_sink("file events.jsonl", std::move(file_sink));
    metrics.add_gauge("callsink_ready", "1 while every sink accepts writes.", [] { return 1.0; });
    std::string const guide = testing::read_file(testing::repo_root() / "docs/operations.md");
    std::istringstream lines(metrics.render());
    std::size_t families = 0;
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("# TYPE callsink_")) {
            std::string const name = line.substr(7, line.find(' ', 7) - 7);
            ++families;
            EXPECT_NE(guide.find("`" + name), std::string::npos)
                << name << " is not in docs/operations.md's metrics table";
        }
    }
    EXPECT_GE(families, kCounterFamilies.size());
}

}  // namespace
}  // namespace callsink
