#include "callsink/journal/journal_metrics.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <sstream>

#include "fake_sink.hpp"
#include "fixtures.hpp"
#include "sample_records.hpp"
#include "temp_dir.hpp"

namespace callsink {
namespace {

class JournalMetricsTest : public ::testing::Test {
  protected:
    JournalMetricsTest() {
        JournalOptions options;
        options.path = dir_.path();
        options.max_bytes = 123'456;
        journal_ = std::make_shared<Journal>(options, logger_, metrics_);
        forwarders_.push_back(std::make_unique<Forwarder>(
            journal_, std::make_unique<testing::FakeSink>("kafka \"events\""), ForwarderOptions{},
            logger_, metrics_));
        add_journal_gauges(metrics_, *journal_, forwarders_);
    }

    // The value of the sample whose line starts with `prefix`.
    double value(std::string const& prefix) const {
        std::istringstream lines(metrics_.render());
        for (std::string line; std::getline(lines, line);) {
            if (line.rfind(prefix, 0) == 0) {
                return std::stod(line.substr(prefix.size()));
            }
        }
        ADD_FAILURE() << "no line starting " << prefix << " in\n" << metrics_.render();
        return -1;
    }

    testing::TempDir dir_;
    std::shared_ptr<spdlog::logger> logger_ =
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    Metrics metrics_;
    std::shared_ptr<Journal> journal_;
    std::vector<std::unique_ptr<Forwarder>> forwarders_;
};

TEST_F(JournalMetricsTest, ShowTheJournalAndWhatEachForwardedSinkHasNotTaken) {
    ASSERT_FALSE(journal_->append(testing::sample_records(1, 3)));
    journal_->publish();
    double const bytes = static_cast<double>(journal_->end().offset);
    EXPECT_EQ(value("callsink_journal_bytes "), bytes);
    EXPECT_EQ(value("callsink_journal_max_bytes "), 123'456);
    std::string const sink = R"({sink="kafka \"events\""} )";
    EXPECT_EQ(value("callsink_journal_unforwarded_records" + sink), 3);
    EXPECT_EQ(value("callsink_journal_unforwarded_bytes" + sink), bytes);
    EXPECT_EQ(value("callsink_journal_oldest_unforwarded_age_seconds" + sink), 0) << "not read yet";
    EXPECT_EQ(value("callsink_journal_forwarder_retrying" + sink), 0);
    EXPECT_EQ(value("callsink_journal_forwarded_total" + sink), 0);
    EXPECT_EQ(value("callsink_journal_damaged_records_total "), 0);
}

// Every family the journal adds is one an operator can look up in docs/operations.md's table.
TEST_F(JournalMetricsTest, EveryFamilyIsDescribedInTheOperationsGuide) {
    std::string const guide = testing::read_file(testing::repo_root() / "docs/operations.md");
    std::istringstream lines(metrics_.render());
    std::size_t families = 0;
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("# TYPE callsink_journal")) {
            std::string const name = line.substr(7, line.find(' ', 7) - 7);
            ++families;
            EXPECT_NE(guide.find("`" + name), std::string::npos)
                << name << " is not in docs/operations.md's metrics table";
        }
    }
    EXPECT_EQ(families, 9u);
}

}  // namespace
}  // namespace callsink
