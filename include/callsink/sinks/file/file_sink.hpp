// A sink that appends JSON Lines to a file, with size-based rotation:
//
//   events.jsonl      <- written now
//   events.jsonl.1    <- the previous file
//   …
//   events.jsonl.N    <- the oldest kept (N = max_files); older ones are deleted
//
// A batch goes out in one write(2), to one file: rotation happens between batches, when the next
// one would take the file past max_bytes (so a batch may overshoot it; a record is never split). A
// file that a crash left ending in a partial line (never acknowledged: a reply waits for the whole
// write) has that torn tail moved to `<path>.torn` when it is opened, so the file stays valid JSON
// Lines and nothing is thrown away. A failed write is cut back off the file (ftruncate to the last
// whole record), so a file never holds a torn line that a later record would be appended to. A file
// that cannot be opened is retried on the next write: the sink heals by itself once the disk does.
// Used by one thread at a time (the pipeline's writer, or an io thread writing a batch itself).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "callsink/config/config_table.hpp"
#include "callsink/sinks/sink.hpp"
#include "callsink/sinks/sink_registry.hpp"

namespace callsink {

struct FileSinkOptions {
    std::filesystem::path path;
    std::uint64_t max_bytes = 0;  // 0: never rotate
    unsigned max_files = 10;
};

// The keys of a file sink's table: path (required), max_bytes, max_files.
std::span<ConfigKey const> file_sink_keys();

// The keys of the [rejects] table, where the deliveries that are not valid events go: a file
// sink's, but its path has a default, where the systemd unit's StateDirectory is.
std::span<ConfigKey const> rejects_file_keys();

// Reads a file sink's table (check_keys is the caller's).
FileSinkOptions read_file_sink_options(ConfigTable const& table);

// Reads the [rejects] table, checking its keys; nullptr (no such table) gives the defaults.
FileSinkOptions read_rejects_file_options(ConfigTable const* table);

// A file sink's settings, for the registry or the rejects file; `path_key` names the path in
// messages ("sinks[0].path", "rejects.path").
std::unique_ptr<SinkSettings> file_sink_settings(FileSinkOptions options, std::string path_key);

// The options of a file sink's settings; nullptr for another sink type's. For readers of the
// files (the tests, a command that reads what the daemon stored).
FileSinkOptions const* file_sink_options(SinkSettings const& settings);

// type = "file": required by default, since a file is durable enough to hold a 200 for.
SinkType file_sink_type();

class FileSink final : public Sink {
  public:
    // Does not open the file yet: open() does, so start-up can report the error.
    explicit FileSink(FileSinkOptions options);
    ~FileSink() override;
    FileSink(FileSink const&) = delete;
    FileSink& operator=(FileSink const&) = delete;

    // Opens (creating the folder and the file when missing). Also called lazily by write().
    boost::system::error_code open();

    std::string const& name() const override { return name_; }
    boost::system::error_code write(std::span<Record const> batch) override;
    boost::system::error_code sync() override;
    boost::system::error_code reopen() override;
    void close() override;
    bool try_recover() override;  // reopens a file that could not be opened
    // An open regular file not due to rotate: rotation syncs the old file, opening may scan it,
    // and a FIFO or a terminal waits for its reader.
    bool writes_without_waiting(std::size_t bytes) const override;
    std::string file_path() const override { return options_.path.string(); }

    std::uint64_t size() const { return size_; }

    // Bytes of a torn last line the last open() moved to `<path>.torn`; 0 when there was none.
    std::uint64_t torn_bytes_set_aside() const { return torn_bytes_; }

  private:
    boost::system::error_code append(std::string_view bytes);
    bool due_to_rotate(std::size_t bytes) const;
    boost::system::error_code rotate();
    boost::system::error_code set_aside_torn_tail();

    FileSinkOptions options_;
    std::string name_;
    int fd_ = -1;
    std::uint64_t size_ = 0;  // bytes in the file as of the last whole record
    bool regular_ = false;    // not a FIFO, pipe or device
    std::uint64_t torn_bytes_ = 0;
    std::string buffer_;  // reused between batches
};

}  // namespace callsink
