// StdoutSink on a pipe of the test's own. The pipe is in packet mode (O_DIRECT), where each
// write(2) is one packet and each read(2) returns at most one: what one read returns is exactly
// what one write wrote, so the tests can count the writes.
#include "callsink/sinks/stdout/stdout_sink.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <boost/system/errc.hpp>
#include <cerrno>
#include <csignal>
#include <optional>
#include <string>
#include <vector>

namespace callsink {
namespace {

class StdoutSinkTest : public ::testing::Test {
  protected:
    StdoutSinkTest() {
        std::signal(SIGPIPE, SIG_IGN);  // as callsink's main does: a closed pipe is EPIPE
        int fds[2];
        EXPECT_EQ(::pipe2(fds, O_DIRECT | O_NONBLOCK | O_CLOEXEC), 0) << errno;
        read_end_ = fds[0];
        write_end_ = fds[1];
    }
    ~StdoutSinkTest() override {
        close_read_end();
        ::close(write_end_);
    }

    void close_read_end() {
        if (read_end_ >= 0) {
            ::close(read_end_);
            read_end_ = -1;
        }
    }

    // What the next write put in the pipe, or nullopt when there was none.
    std::optional<std::string> next_write() {
        std::array<char, 8192> bytes{};
        ssize_t const n = ::read(read_end_, bytes.data(), bytes.size());
        if (n < 0) {
            EXPECT_EQ(errno, EAGAIN);
            return std::nullopt;
        }
        return std::string(bytes.data(), static_cast<std::size_t>(n));
    }

    int read_end_ = -1;
    int write_end_ = -1;
};

std::vector<Record> batch_of(std::vector<std::string> const& lines) {
    std::vector<Record> batch;
    for (std::string const& line : lines) {
        batch.push_back(Record{RecordKind::event, line, {}, {}, {}});
    }
    return batch;
}

TEST_F(StdoutSinkTest, IsNamedStdout) {
    StdoutSink sink(write_end_);
    EXPECT_EQ(sink.name(), "stdout");
}

TEST_F(StdoutSinkTest, WritesAWholeBatchInOneWrite) {
    StdoutSink sink(write_end_);
    ASSERT_FALSE(sink.write(batch_of({"{\"n\":1}\n", "{\"n\":2}\n", "{\"n\":3}\n"})));
    EXPECT_EQ(next_write(), "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
    EXPECT_EQ(next_write(), std::nullopt);
}

TEST_F(StdoutSinkTest, WritesEachBatchSeparatelyAndInOrder) {
    StdoutSink sink(write_end_);
    ASSERT_FALSE(sink.write(batch_of({"a\n", "b\n"})));
    ASSERT_FALSE(sink.write(batch_of({"c\n"})));
    EXPECT_EQ(next_write(), "a\nb\n");
    EXPECT_EQ(next_write(), "c\n");
    EXPECT_EQ(next_write(), std::nullopt);
}

TEST_F(StdoutSinkTest, WritesNothingForAnEmptyBatch) {
    StdoutSink sink(write_end_);
    EXPECT_FALSE(sink.write({}));
    EXPECT_EQ(next_write(), std::nullopt);
}

TEST_F(StdoutSinkTest, DoesNotRepeatAnEarlierBatch) {
    // The sink reuses its buffer between batches; the second must not carry the first.
    StdoutSink sink(write_end_);
    ASSERT_FALSE(sink.write(batch_of({"long first line\n"})));
    ASSERT_FALSE(sink.write(batch_of({"x\n"})));
    EXPECT_EQ(next_write(), "long first line\n");
    EXPECT_EQ(next_write(), "x\n");
}

TEST_F(StdoutSinkTest, ReportsAnErrorWhenThePipeIsClosed) {
    StdoutSink sink(write_end_);
    close_read_end();
    boost::system::error_code const ec = sink.write(batch_of({"lost\n"}));
    EXPECT_EQ(ec, boost::system::errc::broken_pipe) << ec.message();
}

TEST_F(StdoutSinkTest, ReportsAnErrorForABadDescriptor) {
    StdoutSink sink(-1);
    boost::system::error_code const ec = sink.write(batch_of({"lost\n"}));
    EXPECT_EQ(ec, boost::system::errc::bad_file_descriptor) << ec.message();
}

TEST_F(StdoutSinkTest, SyncReopenAndCloseSucceedWithoutWriting) {
    StdoutSink sink(write_end_);
    EXPECT_FALSE(sink.sync());
    EXPECT_FALSE(sink.reopen());
    sink.close();
    EXPECT_EQ(next_write(), std::nullopt);
    // close() leaves the descriptor to its owner: the sink still writes.
    EXPECT_FALSE(sink.write(batch_of({"after\n"})));
    EXPECT_EQ(next_write(), "after\n");
}

}  // namespace
}  // namespace callsink
