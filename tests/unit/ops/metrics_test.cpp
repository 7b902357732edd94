#include "callsink/ops/metrics.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

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

TEST(Metrics, CountsEventsDuplicatesAndRejectsByLabel) {
    Metrics metrics;
    metrics.count_event(EventType::call_status);
    metrics.count_event(EventType::call_status);
    metrics.count_event(EventType::session_summary);
    metrics.count_duplicate(EventType::session_summary);
    metrics.count_reject(RejectCode::missing_field);
    std::string const text = metrics.render();
    EXPECT_TRUE(has_line(text, R"(callsink_events_total{event_type="CALL_STATUS"} 2)")) << text;
    EXPECT_TRUE(has_line(text, R"(callsink_events_total{event_type="SESSION_SUMMARY"} 1)"));
    EXPECT_TRUE(has_line(text, R"(callsink_duplicates_total{event_type="SESSION_SUMMARY"} 1)"));
    EXPECT_TRUE(has_line(text, R"(callsink_rejects_total{code="missing_field"} 1)"));
    EXPECT_TRUE(has_line(text, R"(callsink_rejects_total{code="invalid_json"} 0)"));
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
    EXPECT_EQ(metrics.requests(418), 1u);
    EXPECT_TRUE(has_line(metrics.render(), R"(callsink_http_requests_total{code="other"} 1)"));
}

TEST(Metrics, EscapesSinkNamesInLabels) {
    Metrics metrics;
    std::size_t const sink = metrics.add_sink("file /tmp/a\"b\\c");
    metrics.count_sink_error(sink);
    EXPECT_TRUE(
        has_line(metrics.render(), R"(callsink_sink_errors_total{sink="file /tmp/a\"b\\c"} 1)"));
}

TEST(Metrics, KnowsOnlyTheStoredEventTypes) {
    EXPECT_EQ(event_type_of("CALL_STATUS"), EventType::call_status);
    EXPECT_EQ(event_type_of("SESSION_SUMMARY"), EventType::session_summary);
    EXPECT_FALSE(event_type_of("CALL_ACTION").has_value());
}

}  // namespace
}  // namespace callsink
