// The dead-letter file: where a record goes that a sink refuses for good (Sink::refused: a value
// the database can never store, a message over the brokers' size limit), so that it is neither
// lost nor sent again forever while every record behind it waits. The pipeline (direct delivery)
// and each journal forwarder hand a failed write to their sink's DeadLetterRoute: once every
// record the sink refused for good is written here, at the configured durability (fdatasync with
// durability "fsync"), the write counts as done (answered 200, or passed by the forwarder).
// Anything else a sink refuses is not for this file: the batch is sent again.
//
// Each line is the record's stored line, the JSON object a file sink writes, with one member
// added at its end, `"deadLetter": {"sink": NAME, "sinkIndex": N, "error": TEXT, "at": TIME}`: the
// sink's name as log lines give it, N as in sinks[N], the sink's words, and the time in RFC 3339
// UTC; '\n'-terminated, one line per record. parse_dead_letter_line() gives back the stored line
// byte for byte, for `callsink replay --dead-letter`.
//
// Counted per sink (callsink_sink_dead_letter_total), and logged at most once a minute per sink
// with the count since the last line: a flood of poison records is one line, not one per record.
// The file is opened for each write (dead letters are rare), so logrotate needs no signal.
//
// Threading: construct and route() at start-up; write() and DeadLetterRoute::take_refused() from
// any thread (the pipeline's writer, the forwarders), serialised by a mutex.
#pragma once

#include <spdlog/logger.h>

#include <boost/system/error_code.hpp>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/base/timestamp.hpp"
#include "callsink/base/wait_clock.hpp"
#include "callsink/ops/metrics.hpp"
#include "callsink/sinks/sink.hpp"

namespace callsink {

// [dead_letter] in the configuration file, and the durability it is written at.
struct DeadLetterOptions {
    std::filesystem::path path;
    bool sync = false;  // fdatasync after each write: [delivery] durability = "fsync"
};

// What a dead-letter line adds to its record.
struct DeadLetter {
    std::string sink;            // the sink's name, as log lines give it
    std::size_t sink_index = 0;  // N of sinks[N]
    std::string error;           // why the sink refused it, in its words
    std::string at;              // when it was written here: RFC 3339, UTC
};

// The record's stored line (a JSON object, with or without its '\n') with the member
// "deadLetter" added after its last one, '\n'-terminated.
std::string dead_letter_line(std::string_view record_line, DeadLetter const& letter);

// A dead-letter line read back: the record's stored line exactly as the sink was given it (with
// its '\n'), and what the line added. nullopt when `line` is not a dead-letter line.
struct ReadDeadLetter {
    std::string record_line;
    DeadLetter letter;
};
std::optional<ReadDeadLetter> parse_dead_letter_line(std::string_view line);

class DeadLetterFile;

// A sink's way into the dead-letter file, held by the pipeline's slot or the forwarder of that
// sink. Made by DeadLetterFile::route(); the default one has none, and takes nothing.
class DeadLetterRoute {
  public:
    DeadLetterRoute() = default;

    // After `sink`.write(batch) failed with `ec`: {} once every record the sink refused for good
    // is in the dead-letter file, each other record of the batch being stored; else `ec` (nothing
    // refused for good, or the file could not be written), and the batch is to be sent again.
    boost::system::error_code take_refused(Sink const& sink, std::span<Record const> batch,
                                           boost::system::error_code ec) const;

  private:
    friend class DeadLetterFile;
    DeadLetterRoute(DeadLetterFile& file, std::size_t sink) : file_(&file), sink_(sink) {}
    DeadLetterFile* file_ = nullptr;
    std::size_t sink_ = 0;
};

class DeadLetterFile {
  public:
    // `clock` paces the log lines; `now` gives each line's time.
    DeadLetterFile(DeadLetterOptions options, std::shared_ptr<spdlog::logger> logger,
                   Metrics& metrics, WaitClock& clock = WaitClock::steady(),
                   Clock now = system_clock());
    DeadLetterFile(DeadLetterFile const&) = delete;
    DeadLetterFile& operator=(DeadLetterFile const&) = delete;

    std::filesystem::path const& path() const { return options_.path; }

    // Start-up only: the route of the sink named `name` (as its log lines name it), sinks[index]
    // in the configuration; registers its counter.
    DeadLetterRoute route(std::string name, std::size_t index);

    // Writes one line for each record of `batch` that `refused` names, as sink `sink` (route()'s
    // order), in one write(2), synced when the options say so. Thread-safe.
    boost::system::error_code write(std::size_t sink, std::span<Record const> batch,
                                    std::span<RefusedRecord const> refused);

  private:
    struct SinkState {
        std::string name;
        std::size_t index;
        std::size_t metrics_index;
        std::uint64_t unlogged = 0;  // written since its last log line
        std::optional<WaitClock::time_point> logged_at;
    };

    boost::system::error_code append(std::string_view lines);
    void log_written(SinkState& state, Record const& last, std::string_view error);

    DeadLetterOptions options_;
    std::shared_ptr<spdlog::logger> logger_;
    Metrics& metrics_;
    WaitClock& clock_;
    Clock now_;
    std::mutex mutex_;              // guards what follows, and the file
    std::vector<SinkState> sinks_;  // by route(); not resized after start-up
    std::string lines_;             // reused
    std::string last_failure_;      // logged once until it changes
};

}  // namespace callsink
