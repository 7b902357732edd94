#include "callsink/journal/journal_sink.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include "callsink/journal/journal_errors.hpp"
#include "callsink/journal/journal_reader.hpp"
#include "journal_folder.hpp"
#include "sample_records.hpp"
#include "temp_dir.hpp"

namespace callsink {
namespace {

using testing::sample_records;

class JournalSinkTest : public ::testing::Test {
  protected:
    std::shared_ptr<Journal> open(std::uint64_t segment_bytes = 1 << 20,
                                  std::uint64_t max_bytes = 1 << 30) {
        return testing::open_journal(dir_.path() / "journal", logger_, metrics_, segment_bytes,
                                     max_bytes);
    }

    static std::size_t readable(std::shared_ptr<Journal> const& journal) {
        JournalReader reader(journal, journal->find(0));
        std::vector<JournalEntry> entries;
        EXPECT_FALSE(reader.read(1000, 1 << 30, entries));
        return entries.size();
    }

    testing::TempDir dir_;
    std::shared_ptr<spdlog::logger> logger_ =
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    Metrics metrics_;
};

TEST_F(JournalSinkTest, IsNamedForItsFolderAndReportsTheFolderForItsFilesystem) {
    auto journal = open();
    JournalSink sink(journal, false);
    EXPECT_EQ(sink.name(), "journal " + (dir_.path() / "journal").string());
    EXPECT_EQ(std::filesystem::path(sink.file_path()).parent_path(), dir_.path() / "journal");
}

TEST_F(JournalSinkTest, AWriteIsForwardedAtOnceWhenTheReplyDoesNotWaitForASync) {
    auto journal = open();
    JournalSink sink(journal, /*publish_after_sync=*/false);
    ASSERT_FALSE(sink.write(sample_records(1, 3)));
    EXPECT_EQ(readable(journal), 3u);
}

TEST_F(JournalSinkTest, WithFsyncAWriteIsForwardedOnlyOnceSynced) {
    auto journal = open();
    JournalSink sink(journal, /*publish_after_sync=*/true);
    ASSERT_FALSE(sink.write(sample_records(1, 3)));
    EXPECT_EQ(readable(journal), 0u) << "a crash could still take it back";
    ASSERT_FALSE(sink.sync());
    EXPECT_EQ(readable(journal), 3u);
}

TEST_F(JournalSinkTest, WritesWithoutWaitingUntilASegmentIsDue) {
    auto journal = open(/*segment_bytes=*/2000);
    JournalSink sink(journal, false);
    EXPECT_TRUE(sink.writes_without_waiting(100));
    ASSERT_FALSE(sink.write(sample_records(1, 3, 900)));
    EXPECT_FALSE(sink.writes_without_waiting(100)) << "the next write starts a segment";
    ASSERT_FALSE(sink.write(sample_records(4, 1)));
    EXPECT_TRUE(sink.writes_without_waiting(100));
}

TEST_F(JournalSinkTest, AFullJournalRefusesIsNotReachableAndRecoversOnceReadersMoveOn) {
    auto journal = open(/*segment_bytes=*/4096, /*max_bytes=*/65'536);
    std::size_t const reader = journal->add_reader({});
    JournalSink sink(journal, false);
    boost::system::error_code ec;
    for (int n = 1; n < 1000 && !ec; ++n) {
        ec = sink.write(sample_records(n, 1, 1000));
    }
    EXPECT_EQ(ec, JournalErrc::full);
    EXPECT_FALSE(sink.reachable());
    EXPECT_FALSE(sink.try_recover());
    EXPECT_EQ(sink.reopen(), JournalErrc::full) << "a SIGHUP does not take it for recovered";
    journal->move_reader(reader, journal->end());
    EXPECT_TRUE(sink.reachable());
    EXPECT_TRUE(sink.try_recover());
    EXPECT_FALSE(sink.reopen());
    EXPECT_FALSE(sink.write(sample_records(2000, 1)));
}

TEST_F(JournalSinkTest, ACloseClosesTheJournalForAppends) {
    auto journal = open();
    JournalSink sink(journal, false);
    sink.close();
    EXPECT_EQ(sink.write(sample_records(1, 1)), JournalErrc::closed);
}

}  // namespace
}  // namespace callsink
