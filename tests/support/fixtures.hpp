// The files under tests/data/ (the 8x8 examples and other fixtures) and the repository root, as
// the unit tests see them.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "temp_dir.hpp"

namespace callsink::testing {

inline std::filesystem::path repo_root() {
    return (std::filesystem::path(CALLSINK_TEST_DATA_DIR) / "../..").lexically_normal();
}

// The fixture's bytes; a missing fixture fails the test that asked for it.
inline std::string fixture(std::string_view name) {
    std::string text = read_file(std::filesystem::path(CALLSINK_TEST_DATA_DIR) / name);
    EXPECT_FALSE(text.empty()) << "missing fixture " << name;
    return text;
}

}  // namespace callsink::testing
