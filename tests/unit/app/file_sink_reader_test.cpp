// file_sink_lines_containing over real files in a temporary folder: the file and every numbered
// rotation, the lines kept and the ones not, a last line without '\n', lines longer than one read,
// a file seen twice under two names (a rotation during the read), and a file it cannot read.
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

}  // namespace
}  // namespace callsink
