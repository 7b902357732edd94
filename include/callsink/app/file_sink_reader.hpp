// Reads back what a file sink wrote, for commands that look at stored records: the file and its
// rotations (`path`, `path.1` … `path.N`: file_sink.hpp), newest first, streamed a chunk at a
// time, keeping only the lines that contain a given text. Memory grows with the lines kept, never
// with the size of the files, and one file is open at a time.
//
// The daemon may be writing and rotating meanwhile: a rotation renames every file one number up.
// So the read goes on past the highest number it found at first for as long as files exist, and
// skips a file it has already read under another name (same inode): a rotation during the read
// hides nothing that was in the files when it began. Records written after that may or may not be
// read. Not for the hot path: failures throw.
#pragma once

#include <filesystem>
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

}  // namespace callsink
