// Where a forwarder has got to in the journal, kept on disk so that a restart resumes there: the
// sequence number of the next record to send, in a small text file in the journal's folder, one
// per forwarded sink, named by a hash of the sink's name (its type and destination). The file is
// replaced whole (a temporary file, fdatasync, rename, and the folder synced), so a crash leaves
// the old checkpoint or the new one, never a mix; the number carries a CRC-32C, so a damaged file
// is told from a checkpoint. A checkpoint that is missing or damaged makes the forwarder start at
// the oldest record the journal holds: records sent twice, which the sinks drop by their
// redelivery key, and none skipped.
//
// A sink whose name changes (another topic, another database) starts over the same way. Pure
// file operations; thread-safe for different files.
#pragma once

#include <boost/system/error_code.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace callsink {

// The checkpoint file of the forwarded sink named `sink_name`, in the journal's `folder`.
std::filesystem::path checkpoint_file(std::filesystem::path const& folder,
                                      std::string_view sink_name);

// The next sequence number `file` holds; nullopt when it is missing or does not hold one.
std::optional<std::uint64_t> read_checkpoint(std::filesystem::path const& file);

boost::system::error_code write_checkpoint(std::filesystem::path const& file,
                                           std::string_view sink_name, std::uint64_t next_sequence);

// The highest next sequence number among the checkpoints in `folder` (0 without one): the journal
// numbers its records past it, so that a checkpoint never points past a record it has not seen
// (the journal's tail lost in a power cut while a checkpoint made it to disk).
std::uint64_t highest_checkpoint(std::filesystem::path const& folder);

}  // namespace callsink
