// file_sink_lines_containing over real files in a temporary folder: the file and every numbered
// rotation, the lines kept and the ones not, a last line without '\n', lines longer than one read,
// a file seen twice under two names (a rotation during the read), and a file it cannot read; and
// each_file_sink_line: every line, oldest file first, even when a rotation renames the files
// during the read.
#include "callsink/app/file_sink_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace callsink {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;
using ::testing::UnorderedElementsAre;

void write(fs::path const& path, std::string const& text) {
    std::ofstream(path, std::ios::binary) << text;
}

TEST(FileSinkReader, ReadsTheFileAndEveryRotationNewestFirst) {
    TempDir dir;
    fs::path const events = dir / "events.jsonl";
    write(events, "s-1 now\nother\n");
    write(dir / "events.jsonl.1", "s-1 before\n");
    write(dir / "events.jsonl.12", "s-1 long ago\n");  // max_files may have been larger once
    write(dir / "events.jsonl.torn", "s-1 torn\n");    // a crash's fragment, never acknowledged
    write(dir / "events.jsonl.2.gz", "s-1 compressed\n");
    write(dir / "events.jsonl.01", "s-1 not a rotation\n");
    write(dir / "events.jsonl-20260101", "s-1 logrotate\n");
    auto const found = file_sink_lines_containing(events, "s-1");
    EXPECT_THAT(found.lines, ElementsAre("s-1 now", "s-1 before", "s-1 long ago"));
    EXPECT_THAT(found.files, ElementsAre(events, dir / "events.jsonl.1", dir / "events.jsonl.12"));
}

TEST(FileSinkReader, KeepsOnlyLinesWithTheTextIncludingALastLineWithoutANewline) {
    TempDir dir;
    write(dir / "events.jsonl", "a s-1 b\n\ns-2\nx s-1\ns-");
    EXPECT_THAT(file_sink_lines_containing(dir / "events.jsonl", "s-1").lines,
                ElementsAre("a s-1 b", "x s-1"));
    write(dir / "events.jsonl", "first\nin progress s-1");
    EXPECT_THAT(file_sink_lines_containing(dir / "events.jsonl", "s-1").lines,
                ElementsAre("in progress s-1"));
}

TEST(FileSinkReader, FindsTheTextInLinesLongerThanOneRead) {
    TempDir dir;
    std::string const long_line = std::string(3 << 20, 'x') + "s-1" + std::string(10, 'y');
    write(dir / "events.jsonl",
          "s-1 short\n" + long_line + "\n" + std::string(1 << 20, 'z') + "s-1\n");
    auto const found = file_sink_lines_containing(dir / "events.jsonl", "s-1");
    ASSERT_EQ(found.lines.size(), 3u);
    EXPECT_EQ(found.lines[0], "s-1 short");
    EXPECT_EQ(found.lines[1], long_line);
    EXPECT_EQ(found.lines[2].size(), (1u << 20) + 3);
}

TEST(FileSinkReader, ReadsAFileOnceWhenARotationGaveItASecondName) {
    TempDir dir;
    write(dir / "events.jsonl.1", "s-1 once\n");
    fs::create_hard_link(dir / "events.jsonl.1", dir / "events.jsonl.2");
    auto const found = file_sink_lines_containing(dir / "events.jsonl", "s-1");
    EXPECT_THAT(found.lines, ElementsAre("s-1 once"));
    EXPECT_THAT(found.files, ElementsAre(dir / "events.jsonl.1"));
}

TEST(FileSinkReader, GoesOnPastAGapAndFindsNothingWhenNothingWasWritten) {
    TempDir dir;
    write(dir / "events.jsonl.3", "s-1 old\n");
    EXPECT_THAT(file_sink_lines_containing(dir / "events.jsonl", "s-1").lines,
                ElementsAre("s-1 old"));
    auto const nothing = file_sink_lines_containing(dir / "none" / "events.jsonl", "s-1");
    EXPECT_TRUE(nothing.lines.empty());
    EXPECT_TRUE(nothing.files.empty());
}

TEST(FileSinkReader, AFileItCannotReadIsAnErrorNamingIt) {
    TempDir dir;
    fs::create_directory(dir / "events.jsonl.1");  // open(2) succeeds, read(2) fails: EISDIR
    try {
        file_sink_lines_containing(dir / "events.jsonl", "s-1");
        ADD_FAILURE() << "read a folder as a file";
    } catch (std::runtime_error const& e) {
        EXPECT_THAT(e.what(), HasSubstr((dir / "events.jsonl.1").string()));
    }
}

// Each line with the file it came from, as each_file_sink_line hands them over.
std::vector<std::string> every_line(fs::path const& path) {
    std::vector<std::string> lines;
    each_file_sink_line(path, [&](std::string_view line, fs::path const& file) {
        lines.push_back(file.filename().string() + ": " + std::string(line));
        return true;
    });
    return lines;
}

TEST(FileSinkReaderInOrder, ReadsEveryLineOldestFileFirstEachFrontToBack) {
    TempDir dir;
    fs::path const events = dir / "events.jsonl";
    write(events, "e\nf\ng in progress");
    write(dir / "events.jsonl.1", "c\n\nd\n");
    write(dir / "events.jsonl.3", "a\nb\n");
    write(dir / "events.jsonl.torn", "torn\n");
    EXPECT_THAT(every_line(events),
                ElementsAre("events.jsonl.3: a", "events.jsonl.3: b", "events.jsonl.1: c",
                            "events.jsonl.1: ", "events.jsonl.1: d", "events.jsonl: e",
                            "events.jsonl: f", "events.jsonl: g in progress"));
}

// Every file is open before the first is read, so renaming them all one number up (a rotation)
// once the read began hides none of them.
TEST(FileSinkReaderInOrder, ARotationDuringTheReadHidesNothing) {
    TempDir dir;
    fs::path const events = dir / "events.jsonl";
    write(events, "new\n");
    write(dir / "events.jsonl.1", "old\n");
    std::vector<std::string> lines;
    auto const files = each_file_sink_line(events, [&](std::string_view line, fs::path const&) {
        if (lines.empty()) {
            fs::rename(dir / "events.jsonl.1", dir / "events.jsonl.2");
            fs::rename(events, dir / "events.jsonl.1");
            write(events, "after the read began\n");
        }
        lines.emplace_back(line);
        return true;
    });
    EXPECT_THAT(lines, ElementsAre("old", "new"));
    EXPECT_THAT(files, ElementsAre(dir / "events.jsonl.1", events));
}

TEST(FileSinkReaderInOrder, StopsWhenTold) {
    TempDir dir;
    write(dir / "events.jsonl", "c\n");
    write(dir / "events.jsonl.1", "a\nb\n");
    std::vector<std::string> lines;
    auto const files =
        each_file_sink_line(dir / "events.jsonl", [&](std::string_view line, fs::path const&) {
            lines.emplace_back(line);
            return false;
        });
    EXPECT_THAT(lines, ElementsAre("a"));
    EXPECT_THAT(files, ElementsAre(dir / "events.jsonl.1"));
}

}  // namespace
}  // namespace callsink
