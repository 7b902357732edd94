#include "callsink/journal/checkpoint.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "temp_dir.hpp"

namespace callsink {
namespace {

namespace fs = std::filesystem;

TEST(Checkpoint, ReadsBackWhatWasWritten) {
    testing::TempDir dir;
    fs::path const file = checkpoint_file(dir.path(), "kafka events on localhost:9092");
    ASSERT_FALSE(write_checkpoint(file, "kafka events on localhost:9092", 12345));
    EXPECT_EQ(read_checkpoint(file), 12345u);
    ASSERT_FALSE(write_checkpoint(file, "kafka events on localhost:9092", 12346));
    EXPECT_EQ(read_checkpoint(file), 12346u);
    EXPECT_FALSE(fs::exists(file.string() + ".new")) << "the temporary file is renamed";
}

TEST(Checkpoint, EachSinkHasAFileOfItsOwn) {
    testing::TempDir dir;
    EXPECT_NE(checkpoint_file(dir.path(), "postgres a"), checkpoint_file(dir.path(), "postgres b"));
    EXPECT_EQ(checkpoint_file(dir.path(), "postgres a"), checkpoint_file(dir.path(), "postgres a"));
    EXPECT_EQ(checkpoint_file(dir.path(), "postgres a").parent_path(), dir.path());
}

TEST(Checkpoint, AMissingFileHoldsNone) {
    testing::TempDir dir;
    EXPECT_FALSE(read_checkpoint(dir.path() / "nothing.checkpoint"));
}

TEST(Checkpoint, ADamagedFileHoldsNoneRatherThanAWrongNumber) {
    testing::TempDir dir;
    fs::path const file = checkpoint_file(dir.path(), "sink");
    ASSERT_FALSE(write_checkpoint(file, "sink", 5000));
    std::string const text = testing::read_file(file);
    std::size_t const digit = text.find("next 5000") + 5;
    for (std::size_t at : {digit, digit + 3, text.size() - 3, std::size_t{2}}) {
        std::string changed = text;
        changed[at] = changed[at] == '1' ? '2' : '1';
        std::ofstream(file, std::ios::trunc) << changed;
        EXPECT_FALSE(read_checkpoint(file)) << changed;
    }
    std::ofstream(file, std::ios::trunc) << text.substr(0, text.size() / 2);
    EXPECT_FALSE(read_checkpoint(file));
}

TEST(Checkpoint, TheHighestOfAFolderIsFound) {
    testing::TempDir dir;
    EXPECT_EQ(highest_checkpoint(dir.path()), 0u);
    ASSERT_FALSE(write_checkpoint(checkpoint_file(dir.path(), "a"), "a", 70));
    ASSERT_FALSE(write_checkpoint(checkpoint_file(dir.path(), "b"), "b", 900));
    ASSERT_FALSE(write_checkpoint(checkpoint_file(dir.path(), "c"), "c", 3));
    EXPECT_EQ(highest_checkpoint(dir.path()), 900u);
}

}  // namespace
}  // namespace callsink
