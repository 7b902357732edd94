// Reads back what a file sink wrote, for commands that look at stored records: the file and its
// rotations (`path`, `path.1` … `path.N`: file_sink.hpp), streamed a chunk at a time: newest
// first, keeping only the lines that contain a given text (`callsink session`), or every line,
// oldest first (`callsink replay`). Memory grows with the lines kept, never with the size of the
// files.
//
// The daemon may be writing and rotating meanwhile: a rotation renames every file one number up.
// So the read goes on past the highest number it found at first for as long as files exist, and
// skips a file it has already read under another name (same inode): a rotation during the read
// hides nothing that was in the files when it began. Records written after that may or may not be
// read. Not for the hot path: failures throw.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace callsink {

struct MatchingLines {
    std::vector<std::filesystem::path> files;  // the files read, newest first
    std::vector<std::string> lines;            // the lines containing the text, without '\n'
};

// The lines of `path` and of every `<path>.<number>` beside it (whatever max_files says now: it
// may have been larger when they were written) that contain `text`. `<path>.torn` and logrotate's
// files are not read. A missing `path` is no error: nothing was stored yet. Throws
// std::runtime_error, naming the file, when one exists but cannot be read.
MatchingLines file_sink_lines_containing(std::filesystem::path const& path, std::string_view text);

// Called with each line (without its '\n') and the file it is in; false stops the read.
using FileSinkLineVisitor =
    std::function<bool(std::string_view line, std::filesystem::path const& file)>;

// Every line of the same files, oldest file first, each front to back: the order they were
// written in. All of them are opened first (one descriptor each), so a rotation during the read
// moves nothing past it. Returns the files read, oldest first. Throws as above.
std::vector<std::filesystem::path> each_file_sink_line(std::filesystem::path const& path,
                                                       FileSinkLineVisitor const& visit);

}  // namespace callsink
