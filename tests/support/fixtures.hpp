// The files under tests/data/ (the 8x8 examples and other fixtures) and the repository root, as
// the unit tests see them.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

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

// The name of every fixture directly under tests/data/ (the deliveries, accepted or not; the
// rejections have a folder of their own), sorted: a test that walks them all covers a new type's
// fixtures without naming them.
inline std::vector<std::string> delivery_fixtures() {
    std::vector<std::string> names;
    for (auto const& entry : std::filesystem::directory_iterator(CALLSINK_TEST_DATA_DIR)) {
        if (entry.is_regular_file() && entry.path().extension() == ".json") {
            names.push_back(entry.path().filename().string());
        }
    }
    std::sort(names.begin(), names.end());
    EXPECT_FALSE(names.empty()) << "no fixtures in " << CALLSINK_TEST_DATA_DIR;
    return names;
}

}  // namespace callsink::testing
