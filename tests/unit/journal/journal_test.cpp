// The journal's storage: records appended in order and read back, numbered on across restarts,
// a torn tail cut off and damage copied aside at start-up (every byte of a small journal flipped
// in turn), segments deleted once every reader passed them, and max_bytes.
#include "callsink/journal/journal.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <fstream>
#include <sstream>

#include "callsink/journal/checkpoint.hpp"
#include "callsink/journal/journal_errors.hpp"
#include "callsink/journal/journal_frame.hpp"
#include "callsink/journal/journal_reader.hpp"
#include "journal_folder.hpp"
#include "sample_records.hpp"
#include "temp_dir.hpp"

namespace callsink {
namespace {

namespace fs = std::filesystem;
using testing::sample_number;
using testing::sample_records;

class JournalTest : public ::testing::Test {
  protected:
    std::shared_ptr<Journal> open(std::uint64_t segment_bytes = 1 << 20,
                                  std::uint64_t max_bytes = 1 << 30) {
        return testing::open_journal(dir_.path() / "journal", logger_, metrics_, segment_bytes,
                                     max_bytes);
    }

    static void append(Journal& journal, int first, int count, std::size_t line_bytes = 0) {
        ASSERT_FALSE(journal.append(sample_records(first, count, line_bytes)));
        journal.publish();
    }

    // The numbers of every record a reader from the start reads.
    static std::vector<int> numbers(std::shared_ptr<Journal> const& journal,
                                    JournalPosition from = {}) {
        JournalReader reader(journal, from);
        std::vector<JournalEntry> entries;
        EXPECT_FALSE(reader.read(1'000'000, 1 << 30, entries));
        std::vector<int> out;
        for (JournalEntry const& entry : entries) {
            out.push_back(sample_number(entry.record));
        }
        return out;
    }

    std::vector<fs::path> segments() const {
        std::vector<fs::path> found;
        for (auto const& entry : fs::directory_iterator(dir_.path() / "journal")) {
            if (entry.path().extension() == ".journal") {
                found.push_back(entry.path());
            }
        }
        std::sort(found.begin(), found.end());
        return found;
    }

    std::size_t quarantined() const {
        return static_cast<std::size_t>(
            std::distance(fs::directory_iterator(dir_.path() / "journal" / "quarantine"),
                          fs::directory_iterator{}));
    }

    std::string log() const { return log_.str(); }

    testing::TempDir dir_;
    std::ostringstream log_;
    std::shared_ptr<spdlog::logger> logger_ = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
    Metrics metrics_;
};

std::vector<int> range(int first, int last) {
    std::vector<int> out;
    for (int n = first; n <= last; ++n) {
        out.push_back(n);
    }
    return out;
}

TEST_F(JournalTest, ReadsBackWhatWasAppendedInOrderWithConsecutiveNumbers) {
    auto journal = open();
    append(*journal, 1, 3);
    append(*journal, 4, 2);
    JournalReader reader(journal, {});
    std::vector<JournalEntry> entries;
    ASSERT_FALSE(reader.read(100, 1 << 20, entries));
    ASSERT_EQ(entries.size(), 5u);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        EXPECT_EQ(entries[i].sequence, i + 1);
        EXPECT_EQ(sample_number(entries[i].record), static_cast<int>(i) + 1);
        EXPECT_GT(entries[i].appended_at_ms, 1'600'000'000'000);
    }
    EXPECT_EQ(reader.position(), journal->end());
    EXPECT_EQ(journal->end().sequence, 6u);
}

TEST_F(JournalTest, ReadersSeeOnlyWhatIsPublishedAndAreToldOfIt) {
    auto journal = open();
    int told = 0;
    journal->add_reader([&told] { ++told; });
    ASSERT_FALSE(journal->append(sample_records(1, 2)));
    EXPECT_TRUE(numbers(journal).empty()) << "appended, not yet published";
    EXPECT_EQ(told, 0);
    journal->publish();
    EXPECT_EQ(numbers(journal), range(1, 2));
    EXPECT_EQ(told, 1);
}

TEST_F(JournalTest, NumbersOnAfterARestart) {
    {
        auto journal = open();
        append(*journal, 1, 3);
    }
    auto journal = open();
    append(*journal, 4, 1);
    JournalReader reader(journal, {});
    std::vector<JournalEntry> entries;
    ASSERT_FALSE(reader.read(100, 1 << 20, entries));
    ASSERT_EQ(entries.size(), 4u);
    EXPECT_EQ(entries.back().sequence, 4u);
    EXPECT_EQ(sample_number(entries.back().record), 4);
}

TEST_F(JournalTest, NumbersPastTheHighestCheckpointSoNoneIsSkipped) {
    fs::create_directories(dir_.path() / "journal");
    ASSERT_FALSE(write_checkpoint(checkpoint_file(dir_.path() / "journal", "kafka"), "kafka", 100));
    auto journal = open();
    append(*journal, 1, 1);
    JournalReader reader(journal, journal->find(100));
    std::vector<JournalEntry> entries;
    ASSERT_FALSE(reader.read(100, 1 << 20, entries));
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].sequence, 100u);
}

TEST_F(JournalTest, FindsTheFirstRecordAtOrAfterASequenceNumber) {
    auto journal = open(/*segment_bytes=*/1000);
    for (int n = 1; n <= 20; n += 2) {
        append(*journal, n, 2);
    }
    ASSERT_GT(segments().size(), 2u);
    EXPECT_EQ(numbers(journal, journal->find(1)), range(1, 20));
    EXPECT_EQ(numbers(journal, journal->find(13)), range(13, 20));
    EXPECT_EQ(journal->find(21), journal->end());
    EXPECT_EQ(journal->find(1000), journal->end());
}

TEST_F(JournalTest, StartsANewSegmentOnceOneHoldsSegmentBytes) {
    auto journal = open(/*segment_bytes=*/2000);
    append(*journal, 1, 1, 900);
    EXPECT_FALSE(journal->due_to_rotate());
    append(*journal, 2, 1, 900);
    EXPECT_TRUE(journal->due_to_rotate());
    append(*journal, 3, 1);
    EXPECT_EQ(segments().size(), 2u);
    EXPECT_EQ(segments().back().filename(), "segment-00000000000000000003.journal");
    EXPECT_EQ(numbers(journal), range(1, 3));
}

TEST_F(JournalTest, ATornTailIsCutOffAtStartAndLoggedWithTheBytesDropped) {
    std::uintmax_t whole = 0;
    {
        auto journal = open();
        append(*journal, 1, 3);
        whole = fs::file_size(segments().back());
    }
    std::string torn;
    append_frame(4, 0, testing::sample_record(4), torn);
    torn.resize(torn.size() / 2);
    std::ofstream(segments().back(), std::ios::app | std::ios::binary) << torn;
    auto journal = open();
    EXPECT_EQ(fs::file_size(segments().back()), whole);
    EXPECT_NE(log().find("torn tail cut off, " + std::to_string(torn.size()) + " bytes dropped"),
              std::string::npos)
        << log();
    EXPECT_EQ(metrics_.value(Counter::journal_damaged), 0u) << "a torn tail is no damage";
    append(*journal, 4, 1);
    EXPECT_EQ(numbers(journal), range(1, 4));
}

TEST_F(JournalTest, DamageInTheMiddleIsCopiedAsideCountedLoggedAndSkipped) {
    {
        auto journal = open();
        append(*journal, 1, 5);
    }
    fs::path const segment = segments().back();
    std::string bytes = testing::read_file(segment);
    std::size_t const third = bytes.size() * 2 / 5 + 10;  // inside the third record
    bytes[third] ^= 0x10;
    std::ofstream(segment, std::ios::binary | std::ios::trunc) << bytes;
    auto journal = open();
    EXPECT_EQ(numbers(journal), (std::vector<int>{1, 2, 4, 5}));
    EXPECT_EQ(metrics_.value(Counter::journal_damaged), 1u);
    EXPECT_EQ(quarantined(), 1u);
    EXPECT_NE(log().find("1 damaged span(s)"), std::string::npos) << log();
    // Repaired on disk: the next start finds nothing to copy aside again.
    journal.reset();
    Metrics again;
    JournalOptions options;
    options.path = dir_.path() / "journal";
    auto reopened = std::make_shared<Journal>(options, logger_, again);
    EXPECT_EQ(again.value(Counter::journal_damaged), 0u);
    EXPECT_EQ(numbers(reopened), (std::vector<int>{1, 2, 4, 5}));
}

// A byte flipped anywhere in a journal of two segments (an older one and the newest): it still
// opens, and every record but the one holding that byte is read, in order.
TEST_F(JournalTest, AByteFlippedAnywhereCostsOnlyTheRecordItIsIn) {
    std::vector<std::pair<fs::path, std::string>> original;
    std::vector<std::vector<std::size_t>> starts;  // of each record, per segment
    {
        auto journal = open(/*segment_bytes=*/1);  // a segment per append
        for (int n = 1; n <= 4; n += 2) {
            // Records of a few bytes, so that flipping each of their bytes takes seconds.
            std::vector<Record> records(2);
            records[0].line = "{\"n\":" + std::to_string(n) + "}\n";
            records[1].line = "{\"n\":" + std::to_string(n + 1) + "}\n";
            ASSERT_FALSE(journal->append(records));
            journal->publish();
        }
    }
    for (fs::path const& path : segments()) {
        std::string bytes = testing::read_file(path);
        std::vector<std::size_t> at{0};
        at.push_back(static_cast<std::size_t>(read_frame(bytes).size));
        starts.push_back(at);
        original.emplace_back(path, std::move(bytes));
    }
    ASSERT_EQ(original.size(), 2u);
    for (std::size_t s = 0; s < original.size(); ++s) {
        for (std::size_t at = 0; at < original[s].second.size(); ++at) {
            for (auto const& [path, bytes] : original) {
                std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
            }
            fs::remove_all(dir_.path() / "journal" / "quarantine");
            std::string changed = original[s].second;
            changed[at] = static_cast<char>(changed[at] ^ 0x80);
            std::ofstream(original[s].first, std::ios::binary | std::ios::trunc) << changed;

            auto journal = open(1);
            int const lost = static_cast<int>(s) * 2 + (at < starts[s][1] ? 1 : 2);
            std::vector<int> expected = range(1, 4);
            std::erase(expected, lost);
            ASSERT_EQ(numbers(journal), expected) << "segment " << s << " byte " << at;
        }
    }
}

TEST_F(JournalTest, TheTailOfAnOlderSegmentIsDamageNotATornWrite) {
    {
        auto journal = open(/*segment_bytes=*/1);
        append(*journal, 1, 2);
        append(*journal, 3, 2);
    }
    fs::path const older = segments().front();
    std::string bytes = testing::read_file(older);
    bytes.resize(bytes.size() - 5);  // a truncated copy
    std::ofstream(older, std::ios::binary | std::ios::trunc) << bytes;
    auto journal = open(1);
    EXPECT_EQ(numbers(journal), (std::vector<int>{1, 3, 4}));
    EXPECT_EQ(metrics_.value(Counter::journal_damaged), 1u);
    EXPECT_EQ(quarantined(), 1u);
}

TEST_F(JournalTest, DeletesTheSegmentsEveryReaderHasPassed) {
    auto journal = open(/*segment_bytes=*/1);
    std::size_t const fast = journal->add_reader({});
    std::size_t const slow = journal->add_reader({});
    for (int n = 1; n <= 4; ++n) {
        append(*journal, n, 1);
    }
    ASSERT_EQ(segments().size(), 4u);
    std::uint64_t const all = journal->bytes();
    journal->move_reader(fast, journal->end());
    EXPECT_EQ(segments().size(), 4u) << "the slow reader has not passed any";
    journal->move_reader(slow, journal->find(3));
    EXPECT_EQ(segments().size(), 2u);
    EXPECT_LT(journal->bytes(), all);
    EXPECT_EQ(numbers(journal, journal->find(1)), range(3, 4));
    journal->move_reader(slow, journal->end());
    EXPECT_EQ(segments().size(), 1u) << "the newest segment stays, to append to";
}

TEST_F(JournalTest, RefusesAppendsPastMaxBytesUntilAReaderMovesOn) {
    auto journal = open(/*segment_bytes=*/4096, /*max_bytes=*/10'000);
    std::size_t const reader = journal->add_reader({});
    int n = 1;
    boost::system::error_code ec;
    while (!(ec = journal->append(sample_records(n, 1, 500)))) {
        journal->publish();
        ++n;
        ASSERT_LT(n, 100) << "never full";
    }
    EXPECT_EQ(ec, JournalErrc::full);
    EXPECT_LE(journal->end().offset, 10'000u);
    EXPECT_GT(journal->end().offset, 10'000u - 600);
    EXPECT_EQ(numbers(journal).size(), static_cast<std::size_t>(n - 1)) << "nothing of it written";
    journal->move_reader(reader, journal->find(3));
    EXPECT_TRUE(journal->has_room());
    EXPECT_FALSE(journal->append(sample_records(n, 1, 500)));
}

TEST_F(JournalTest, DiskUseStaysWithinMaxBytesAndOneSegment) {
    std::uint64_t const max_bytes = 20'000;
    std::uint64_t const segment_bytes = 4'000;
    auto journal = open(segment_bytes, max_bytes);
    std::size_t const reader = journal->add_reader({});
    JournalReader forwarder(journal, {});
    for (int n = 1; n <= 300; ++n) {
        if (journal->append(sample_records(n, 1, 300)) == JournalErrc::full) {
            // Half of what waits is forwarded, as a forwarder catching up would.
            std::vector<JournalEntry> entries;
            ASSERT_FALSE(forwarder.read(20, 1 << 20, entries));
            journal->move_reader(reader, forwarder.position());
            continue;
        }
        journal->publish();
        std::uintmax_t on_disk = 0;
        for (fs::path const& path : segments()) {
            on_disk += fs::file_size(path);
        }
        ASSERT_LE(on_disk, max_bytes + segment_bytes + 400) << "after record " << n;
    }
}

TEST_F(JournalTest, ACloseMakesFurtherAppendsFail) {
    auto journal = open();
    journal->close();
    EXPECT_EQ(journal->append(sample_records(1, 1)), JournalErrc::closed);
}

TEST_F(JournalTest, AFolderThatCannotBeMadeIsAnErrorSayingWhatToCheck) {
    fs::path const file = dir_.path() / "a-file";
    std::ofstream(file) << "x";
    JournalOptions options;
    options.path = file / "journal";
    try {
        Journal journal(options, logger_, metrics_);
        FAIL() << "opened";
    } catch (std::runtime_error const& error) {
        EXPECT_NE(std::string(error.what()).find("journal.path"), std::string::npos)
            << error.what();
    }
}

}  // namespace
}  // namespace callsink
