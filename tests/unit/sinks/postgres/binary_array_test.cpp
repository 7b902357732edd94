// BinaryArray: the bytes array_recv reads, one dimension of text or jsonb with a lower bound of
// 1, each element after its length; jsonb's version byte before each record; clear() starts the
// next array over.
#include "callsink/sinks/postgres/binary_array.hpp"

#include <gtest/gtest.h>

#include <string>

namespace callsink {
namespace {

using namespace std::string_literals;

std::string u32(std::uint32_t value) {
    return {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
            static_cast<char>(value >> 8), static_cast<char>(value)};
}

std::string header(std::uint32_t element_oid, std::uint32_t length) {
    return u32(1) + u32(0) + u32(element_oid) + u32(length) + u32(1);
}

TEST(BinaryArray, TextElementsFollowTheirLengthsAfterAOneDimensionHeader) {
    BinaryArray array(BinaryArray::Element::text);
    array.add("ab");
    array.add("");
    array.add("caf\xc3\xa9");
    EXPECT_EQ(array.size(), 3u);
    EXPECT_EQ(array.bytes(), header(25, 3) + u32(2) + "ab" + u32(0) + u32(5) + "caf\xc3\xa9");
}

TEST(BinaryArray, AJsonbElementIsItsTextAfterVersionByteOne) {
    BinaryArray array(BinaryArray::Element::jsonb);
    array.add(R"({"a":1})");
    EXPECT_EQ(array.bytes(), header(3802, 1) + u32(8) + "\x01"s + R"({"a":1})");
}

TEST(BinaryArray, AnEmptyArrayHasLengthZero) {
    BinaryArray const array(BinaryArray::Element::text);
    EXPECT_EQ(array.size(), 0u);
    EXPECT_EQ(array.bytes(), header(25, 0));
}

TEST(BinaryArray, ClearStartsTheNextArrayOver) {
    BinaryArray array(BinaryArray::Element::text);
    array.add("first");
    array.add("batch");
    array.clear();
    array.add("next");
    EXPECT_EQ(array.size(), 1u);
    EXPECT_EQ(array.bytes(), header(25, 1) + u32(4) + "next");
}

TEST(BinaryArray, LengthsAreBigEndianPastOneByte) {
    BinaryArray array(BinaryArray::Element::text);
    std::string const long_value(0x1234, 'x');
    array.add(long_value);
    EXPECT_EQ(array.bytes().substr(20, 4), "\x00\x00\x12\x34"s);
    EXPECT_EQ(array.bytes().size(), 20u + 4u + 0x1234u);
}

}  // namespace
}  // namespace callsink
