// read_journal_folder over segment files written frame by frame in a temporary folder: records in
// journal order across segments, a torn tail and damage read past as the daemon's scan reads past
// them, a record handed over once, and the folder left exactly as it was.
#include "callsink/journal/journal_folder_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "callsink/journal/journal_frame.hpp"
#include "sample_records.hpp"
#include "temp_dir.hpp"

namespace callsink {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using testing::TempDir;

// Frames of sample records numbered `first` to `last`, appended at `first`'s time in seconds.
std::string frames(int first, int last) {
    std::string bytes;
    for (int n = first; n <= last; ++n) {
        append_frame(static_cast<std::uint64_t>(n), n * 1000LL, testing::sample_record(n), bytes);
    }
    return bytes;
}

fs::path segment_path(fs::path const& folder, std::uint64_t first) {
    char name[64];
    std::snprintf(name, sizeof name, "segment-%020" PRIu64 ".journal", first);
    return folder / name;
}

void write(fs::path const& path, std::string const& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

struct Read {
    std::vector<int> numbers;  // the sample records' n, in the order handed over
    std::vector<std::uint64_t> sequences;
    JournalFolderRead report;
};

Read read_all(fs::path const& folder) {
    Read read;
    read.report = read_journal_folder(folder, [&](JournalEntry&& entry) {
        read.numbers.push_back(testing::sample_number(entry.record));
        read.sequences.push_back(entry.sequence);
        EXPECT_EQ(entry.appended_at_ms, static_cast<std::int64_t>(entry.sequence) * 1000);
        EXPECT_EQ(entry.record.request_id, "request-" + std::to_string(entry.sequence));
        return true;
    });
    return read;
}

// Every file of the folder and its bytes.
std::map<fs::path, std::string> snapshot(fs::path const& folder) {
    std::map<fs::path, std::string> files;
    for (auto const& entry : fs::recursive_directory_iterator(folder)) {
        files[entry.path()] = entry.is_regular_file() ? testing::read_file(entry.path()) : "";
    }
    return files;
}

TEST(JournalFolderReader, HandsOverEveryRecordInJournalOrderAcrossSegments) {
    TempDir dir;
    write(segment_path(dir.path(), 7), frames(7, 9));
    write(segment_path(dir.path(), 1), frames(1, 6));
    write(dir / "checkpoint-0123.txt", "not a segment");
    Read const read = read_all(dir.path());
    EXPECT_THAT(read.numbers, ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9));
    EXPECT_EQ(read.report.segments, 2u);
    EXPECT_EQ(read.report.records, 9u);
    EXPECT_EQ(read.report.damaged, 0u);
    EXPECT_EQ(read.report.unfinished_bytes, 0u);
}

TEST(JournalFolderReader, ATornTailIsNotReadAndTheFolderIsLeftAsItWas) {
    TempDir dir;
    std::string const whole = frames(1, 4);
    std::string const last = frames(5, 5);
    write(segment_path(dir.path(), 1), whole + last.substr(0, last.size() - 3));
    auto const before = snapshot(dir.path());
    Read const read = read_all(dir.path());
    EXPECT_THAT(read.numbers, ElementsAre(1, 2, 3, 4));
    EXPECT_EQ(read.report.unfinished_bytes, last.size() - 3);
    EXPECT_EQ(read.report.damaged, 0u);
    // Nothing cut off, quarantined or checkpointed: that is the daemon's.
    EXPECT_EQ(snapshot(dir.path()), before);
}

TEST(JournalFolderReader, ADamagedRecordIsPassedOverAndTheRestRead) {
    TempDir dir;
    std::string bytes = frames(1, 2);
    std::size_t const third = bytes.size();
    bytes += frames(3, 5);
    bytes[third + kFrameHeaderBytes + 5] ^= 0x20;  // in the third record's payload
    write(segment_path(dir.path(), 1), bytes);
    write(segment_path(dir.path(), 6), frames(6, 7));
    auto const before = snapshot(dir.path());
    Read const read = read_all(dir.path());
    EXPECT_THAT(read.numbers, ElementsAre(1, 2, 4, 5, 6, 7));
    EXPECT_EQ(read.report.damaged, 1u);
    EXPECT_GT(read.report.damaged_bytes, 0u);
    EXPECT_EQ(snapshot(dir.path()), before);
}

TEST(JournalFolderReader, ARecordInTwoSegmentsIsHandedOverOnce) {
    TempDir dir;
    // A repair rewrote a segment as the next one was made: 4 and 5 are in both.
    write(segment_path(dir.path(), 1), frames(1, 5));
    write(segment_path(dir.path(), 4), frames(4, 7));
    EXPECT_THAT(read_all(dir.path()).sequences, ElementsAre(1, 2, 3, 4, 5, 6, 7));
}

TEST(JournalFolderReader, StopsWhenTold) {
    TempDir dir;
    write(segment_path(dir.path(), 1), frames(1, 5));
    std::vector<std::uint64_t> seen;
    JournalFolderRead const report = read_journal_folder(dir.path(), [&](JournalEntry&& entry) {
        seen.push_back(entry.sequence);
        return seen.size() < 2;
    });
    EXPECT_THAT(seen, ElementsAre(1u, 2u));
    EXPECT_EQ(report.records, 2u);
}

TEST(JournalFolderReader, AnEmptyFolderHasNoRecordsAndAMissingOneIsAnErrorNamingIt) {
    TempDir dir;
    EXPECT_TRUE(read_all(dir.path()).numbers.empty());
    try {
        read_all(dir / "nowhere");
        FAIL() << "a missing folder was read";
    } catch (std::runtime_error const& e) {
        EXPECT_THAT(e.what(), ::testing::HasSubstr((dir / "nowhere").string()));
    }
}

}  // namespace
}  // namespace callsink
