#include "callsink/journal/journal_reader.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <fstream>

#include "sample_records.hpp"
#include "temp_dir.hpp"

namespace callsink {
namespace {

namespace fs = std::filesystem;
using testing::sample_number;
using testing::sample_records;

class JournalReaderTest : public ::testing::Test {
  protected:
    void SetUp() override {
        JournalOptions options;
        options.path = dir_.path();
        options.segment_bytes = 2000;
        journal_ = std::make_shared<Journal>(options, logger_, metrics_);
    }

    void append(int first, int count, std::size_t line_bytes = 0) {
        ASSERT_FALSE(journal_->append(sample_records(first, count, line_bytes)));
        journal_->publish();
    }

    static std::vector<int> numbers(std::vector<JournalEntry> const& entries) {
        std::vector<int> out;
        for (JournalEntry const& entry : entries) {
            out.push_back(sample_number(entry.record));
        }
        return out;
    }

    testing::TempDir dir_;
    std::shared_ptr<spdlog::logger> logger_ =
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    Metrics metrics_;
    std::shared_ptr<Journal> journal_;
};

TEST_F(JournalReaderTest, ReadsAtMostTheRecordsAskedAndGoesOnFromThere) {
    append(1, 10);
    JournalReader reader(journal_, {});
    std::vector<JournalEntry> entries;
    ASSERT_FALSE(reader.read(4, 1 << 20, entries));
    EXPECT_EQ(numbers(entries), (std::vector<int>{1, 2, 3, 4}));
    EXPECT_EQ(reader.position().sequence, 5u);
    entries.clear();
    ASSERT_FALSE(reader.read(100, 1 << 20, entries));
    EXPECT_EQ(numbers(entries), (std::vector<int>{5, 6, 7, 8, 9, 10}));
    entries.clear();
    ASSERT_FALSE(reader.read(100, 1 << 20, entries));
    EXPECT_TRUE(entries.empty()) << "at the end";
    EXPECT_EQ(reader.position(), journal_->end());
}

TEST_F(JournalReaderTest, StopsOnceItHasReadMaxBytesButReadsOneAtLeast) {
    append(1, 6, 300);
    JournalReader reader(journal_, {});
    std::vector<JournalEntry> entries;
    ASSERT_FALSE(reader.read(100, 700, entries));
    EXPECT_EQ(entries.size(), 2u) << "two frames of more than 300 bytes reach 700";
    entries.clear();
    ASSERT_FALSE(reader.read(100, 1, entries));
    EXPECT_EQ(numbers(entries), (std::vector<int>{3}));
}

TEST_F(JournalReaderTest, ReadsARecordLargerThanOneReadWhole) {
    append(1, 1);
    append(2, 1, 300'000);
    append(3, 1);
    JournalReader reader(journal_, {});
    std::vector<JournalEntry> entries;
    ASSERT_FALSE(reader.read(100, 1 << 20, entries));
    ASSERT_EQ(numbers(entries), (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(entries[1].record.line, testing::sample_record(2, 300'000).line);
}

TEST_F(JournalReaderTest, GoesFromOneSegmentToTheNext) {
    for (int n = 1; n <= 30; n += 3) {
        append(n, 3, 200);
    }
    ASSERT_GT(std::distance(fs::directory_iterator(dir_.path()), fs::directory_iterator{}), 4);
    JournalReader reader(journal_, {});
    std::vector<JournalEntry> entries;
    while (true) {
        std::size_t const before = entries.size();
        ASSERT_FALSE(reader.read(4, 1 << 20, entries));
        if (entries.size() == before) {
            break;
        }
    }
    ASSERT_EQ(entries.size(), 30u);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        EXPECT_EQ(entries[i].sequence, i + 1);
    }
}

TEST_F(JournalReaderTest, DamageMetAfterOpeningIsCopiedAsideOnceAndSkipped) {
    append(1, 5);
    fs::path segment;
    for (auto const& entry : fs::directory_iterator(dir_.path())) {
        if (entry.path().extension() == ".journal") {
            segment = entry.path();
        }
    }
    {
        std::fstream file(segment, std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(static_cast<std::streamoff>(fs::file_size(segment) / 2));
        file.put('\x7f');
    }
    JournalReader first(journal_, {});
    JournalReader second(journal_, {});
    std::vector<JournalEntry> entries;
    ASSERT_FALSE(first.read(100, 1 << 20, entries));
    EXPECT_EQ(numbers(entries), (std::vector<int>{1, 2, 4, 5}));
    entries.clear();
    ASSERT_FALSE(second.read(100, 1 << 20, entries));
    EXPECT_EQ(numbers(entries), (std::vector<int>{1, 2, 4, 5}));
    EXPECT_EQ(metrics_.value(Counter::journal_damaged), 1u) << "counted once, by whoever met it";
    EXPECT_EQ(
        std::distance(fs::directory_iterator(dir_.path() / "quarantine"), fs::directory_iterator{}),
        1);
}

}  // namespace
}  // namespace callsink
