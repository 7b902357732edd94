#include "callsink/sinks/file/file_sink.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "temp_dir.hpp"

namespace callsink {
namespace {

using testing::read_file;
using testing::TempDir;

// A record of exactly `size` bytes including its newline, so rotation points are predictable.
Record record_of(char fill, std::size_t size) {
    return Record{RecordKind::event, std::string(size - 1, fill) + "\n", {}, {}, {}};
}

TEST(FileSink, AppendsTheBatchInOrderAndCreatesTheFolder) {
    TempDir dir;
    FileSink sink({dir / "nested/events.jsonl"});
    std::vector<Record> batch{record_of('a', 4), record_of('b', 4)};
    ASSERT_FALSE(sink.write(batch));
    ASSERT_FALSE(sink.write(std::vector<Record>{record_of('c', 4)}));
    EXPECT_EQ(read_file(dir / "nested/events.jsonl"), "aaa\nbbb\nccc\n");
    EXPECT_EQ(sink.size(), 12u);
}

TEST(FileSink, AppendsToWhatTheFileAlreadyHeld) {
    TempDir dir;
    {
        FileSink sink({dir / "events.jsonl"});
        ASSERT_FALSE(sink.write(std::vector<Record>{record_of('a', 4)}));
    }
    FileSink sink({dir / "events.jsonl"});
    ASSERT_FALSE(sink.open());
    EXPECT_EQ(sink.size(), 4u);
    ASSERT_FALSE(sink.write(std::vector<Record>{record_of('b', 4)}));
    EXPECT_EQ(read_file(dir / "events.jsonl"), "aaa\nbbb\n");
}

TEST(FileSink, RotatesBeforeABatchWouldPassMaxBytes) {
    TempDir dir;
    FileSink sink({dir / "events.jsonl", /*max_bytes=*/100, /*max_files=*/5});
    std::vector<Record> batch{record_of('1', 40), record_of('2', 40), record_of('3', 40),
                              record_of('4', 40), record_of('5', 40)};
    for (Record const& record : batch) {
        ASSERT_FALSE(sink.write(std::span<Record const>(&record, 1)));
    }
    EXPECT_EQ(read_file(dir / "events.jsonl.2"), batch[0].line + batch[1].line);
    EXPECT_EQ(read_file(dir / "events.jsonl.1"), batch[2].line + batch[3].line);
    EXPECT_EQ(read_file(dir / "events.jsonl"), batch[4].line);
}

TEST(FileSink, WritesWithoutWaitingOnlyWhenOpenAndNotDueToRotate) {
    TempDir dir;
    FileSink sink({dir / "events.jsonl", /*max_bytes=*/100, /*max_files=*/5});
    EXPECT_FALSE(sink.writes_without_waiting(10));  // not open yet: opening scans the file
    ASSERT_FALSE(sink.open());
    EXPECT_TRUE(sink.writes_without_waiting(100));  // an empty file does not rotate
    ASSERT_FALSE(sink.write(std::vector<Record>{record_of('a', 60)}));
    EXPECT_TRUE(sink.writes_without_waiting(40));
    EXPECT_FALSE(sink.writes_without_waiting(41));  // rotation syncs the file it moves away
    sink.close();
    EXPECT_FALSE(sink.writes_without_waiting(1));
}

TEST(FileSink, AFifoMayWaitForItsReader) {
    TempDir dir;
    ASSERT_EQ(::mkfifo((dir / "events.fifo").c_str(), 0600), 0);
    // O_RDWR opens a FIFO without a reader; the sink opens its file that way.
    FileSink sink({dir / "events.fifo"});
    ASSERT_FALSE(sink.open());
    EXPECT_FALSE(sink.writes_without_waiting(1));
}

TEST(FileSink, KeepsOnlyMaxFilesRotatedFiles) {
    TempDir dir;
    FileSink sink({dir / "events.jsonl", /*max_bytes=*/50, /*max_files=*/2});
    for (char c = 'a'; c <= 'f'; ++c) {
        ASSERT_FALSE(sink.write(std::vector<Record>{record_of(c, 40)}));
    }
    EXPECT_EQ(read_file(dir / "events.jsonl"), record_of('f', 40).line);
    EXPECT_EQ(read_file(dir / "events.jsonl.1"), record_of('e', 40).line);
    EXPECT_EQ(read_file(dir / "events.jsonl.2"), record_of('d', 40).line);
    EXPECT_FALSE(std::filesystem::exists(dir / "events.jsonl.3"));
}

TEST(FileSink, ABatchIsNeverSplitAcrossFilesEvenPastMaxBytes) {
    TempDir dir;
    FileSink sink({dir / "events.jsonl", /*max_bytes=*/100, /*max_files=*/5});
    std::vector<Record> batch{record_of('1', 40), record_of('2', 40), record_of('3', 40)};
    ASSERT_FALSE(sink.write(batch));
    EXPECT_EQ(read_file(dir / "events.jsonl"), batch[0].line + batch[1].line + batch[2].line);
    EXPECT_FALSE(std::filesystem::exists(dir / "events.jsonl.1"));
    ASSERT_FALSE(sink.write(std::vector<Record>{record_of('4', 40)}));
    EXPECT_EQ(read_file(dir / "events.jsonl.1"), batch[0].line + batch[1].line + batch[2].line);
    EXPECT_EQ(read_file(dir / "events.jsonl"), record_of('4', 40).line);
}

TEST(FileSink, AFailedRotationWritesNothingOfTheBatch) {
    TempDir dir;
    FileSink sink({dir / "events.jsonl", /*max_bytes=*/50, /*max_files=*/1});
    ASSERT_FALSE(sink.write(std::vector<Record>{record_of('a', 40)}));
    // A non-empty folder where the rotated file must go: the rename fails.
    std::filesystem::create_directories(dir / "events.jsonl.1/blocker");
    EXPECT_TRUE(sink.write(std::vector<Record>{record_of('b', 40), record_of('c', 40)}));
    EXPECT_EQ(read_file(dir / "events.jsonl"), record_of('a', 40).line);
}

TEST(FileSink, ARecordLargerThanMaxBytesStillGetsAFileOfItsOwn) {
    TempDir dir;
    FileSink sink({dir / "events.jsonl", /*max_bytes=*/10, /*max_files=*/3});
    ASSERT_FALSE(sink.write(std::vector<Record>{record_of('a', 30)}));
    ASSERT_FALSE(sink.write(std::vector<Record>{record_of('b', 30)}));
    EXPECT_EQ(read_file(dir / "events.jsonl.1"), record_of('a', 30).line);
    EXPECT_EQ(read_file(dir / "events.jsonl"), record_of('b', 30).line);
}

TEST(FileSink, ReopenAfterTheFileWasMovedWritesToAFreshFile) {
    TempDir dir;
    FileSink sink({dir / "events.jsonl"});
    ASSERT_FALSE(sink.write(std::vector<Record>{record_of('a', 4)}));
    std::filesystem::rename(dir / "events.jsonl", dir / "events.jsonl.old");
    ASSERT_FALSE(sink.reopen());
    ASSERT_FALSE(sink.write(std::vector<Record>{record_of('b', 4)}));
    EXPECT_EQ(read_file(dir / "events.jsonl.old"), "aaa\n");
    EXPECT_EQ(read_file(dir / "events.jsonl"), "bbb\n");
}

TEST(FileSink, AFullDiskIsAnErrorNotASilentLoss) {
    FileSink sink({"/dev/full"});
    auto const ec = sink.write(std::vector<Record>{record_of('a', 4)});
    EXPECT_EQ(ec, boost::system::error_code(ENOSPC, boost::system::system_category()));
}

TEST(FileSink, AnUnopenableFileIsAnErrorAndIsRetriedOnTheNextWrite) {
    TempDir dir;
    std::filesystem::create_directories(dir / "blocker");
    // A regular file where the sink wants a folder: creating the folder fails until it is gone.
    { std::ofstream(dir / "blocker/sub") << "x"; }
    FileSink sink({dir / "blocker/sub/events.jsonl"});
    EXPECT_TRUE(sink.write(std::vector<Record>{record_of('a', 4)}));
    std::filesystem::remove(dir / "blocker/sub");
    EXPECT_FALSE(sink.write(std::vector<Record>{record_of('b', 4)}));
    EXPECT_EQ(read_file(dir / "blocker/sub/events.jsonl"), "bbb\n");
}

}  // namespace
}  // namespace callsink

namespace callsink {
namespace {

TEST(FileSinkRecovery, MovesATornLastLineAsideSoTheFileStaysJsonLines) {
    TempDir dir;
    { std::ofstream(dir / "events.jsonl") << "{\"a\":1}\n{\"b\":2}\n{\"c\":"; }
    FileSink sink({dir / "events.jsonl"});
    ASSERT_FALSE(sink.open());
    EXPECT_EQ(sink.torn_bytes_set_aside(), 5u);
    EXPECT_EQ(read_file(dir / "events.jsonl"), "{\"a\":1}\n{\"b\":2}\n");
    EXPECT_EQ(read_file(dir / "events.jsonl.torn"), "{\"c\":\n");
    ASSERT_FALSE(sink.write(std::vector<Record>{record_of('d', 4)}));
    EXPECT_EQ(read_file(dir / "events.jsonl"), "{\"a\":1}\n{\"b\":2}\nddd\n");
}

TEST(FileSinkRecovery, AFileThatIsOneTornLineBecomesEmpty) {
    TempDir dir;
    std::string const torn(100'000, 'x');  // longer than one backwards read
    { std::ofstream(dir / "events.jsonl") << torn; }
    FileSink sink({dir / "events.jsonl"});
    ASSERT_FALSE(sink.open());
    EXPECT_EQ(sink.torn_bytes_set_aside(), torn.size());
    EXPECT_EQ(read_file(dir / "events.jsonl"), "");
    EXPECT_EQ(read_file(dir / "events.jsonl.torn"), torn + "\n");
}

TEST(FileSinkRecovery, LeavesAWholeFileAlone) {
    TempDir dir;
    { std::ofstream(dir / "events.jsonl") << "{\"a\":1}\n"; }
    FileSink sink({dir / "events.jsonl"});
    ASSERT_FALSE(sink.open());
    EXPECT_EQ(sink.torn_bytes_set_aside(), 0u);
    EXPECT_FALSE(std::filesystem::exists(dir / "events.jsonl.torn"));
}

}  // namespace
}  // namespace callsink
