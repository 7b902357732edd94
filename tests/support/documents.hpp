// The 8x8 documents the fixtures under tests/data/ are copied from. They are not part of the
// repository, so a check against them runs only where they are found: the folder named by
// $CALLSINK_8X8_DOCUMENTS (which must then hold them: CI sets it, so there the checks cannot be
// skipped). Without it the check is skipped:
//
//     auto const documents = testing::documents_dir();
//     if (!documents) GTEST_SKIP() << testing::kNoDocuments;
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

namespace callsink::testing {

inline constexpr char const* kNoDocuments =
    "the 8x8 documents are not here: set CALLSINK_8X8_DOCUMENTS to check the fixtures against them";

inline std::optional<std::filesystem::path> documents_dir() {
    if (char const* named = std::getenv("CALLSINK_8X8_DOCUMENTS"); named && *named) {
        std::filesystem::path const folder(named);
        EXPECT_TRUE(std::filesystem::is_regular_file(folder / "call-status-2026.txt"))
            << "CALLSINK_8X8_DOCUMENTS=" << named << " does not hold the 8x8 documents";
        return folder;
    }
    return std::nullopt;
}

}  // namespace callsink::testing
