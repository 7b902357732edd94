// A key's declaration as the reference shows it (config_key.hpp): each column in words, and the
// rows as a markdown table.
#include "callsink/config/config_key.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>

namespace callsink {
namespace {

enum class Colour { red, green };

constexpr std::array<Choice<Colour>, 2> kColours{{{"red", Colour::red}, {"green", Colour::green}}};
constexpr auto kColourNames = choice_names_of(kColours);

TEST(ChoiceNamesOf, TakesTheNamesOfAChoiceListInOrder) {
    EXPECT_THAT(kColourNames, ::testing::ElementsAre("red", "green"));
}

TEST(KeyRow, ShowsAnIntegersRangeAndItsDefaultAsToml) {
    KeyRow const row = key_row(ConfigKey("threads", KeyType::integer)
                                   .with_default("1")
                                   .with_range({0, 256})
                                   .with_description("threads that serve connections"));
    EXPECT_EQ(row.name, "`threads`");
    EXPECT_EQ(row.type, "integer");
    EXPECT_EQ(row.default_value, "`1`");
    EXPECT_EQ(row.allowed, "0 to 256");
    EXPECT_EQ(row.description, "threads that serve connections");
}

TEST(KeyRow, ShowsAnOpenRangeAsAFloor) {
    KeyRow const row = key_row(ConfigKey("n", KeyType::integer).with_range(IntRange::at_least(1)));
    EXPECT_EQ(row.allowed, "at least 1");
}

TEST(KeyRow, SaysCountsOfBytesInBinaryUnitsToo) {
    KeyRow const row = key_row(ConfigKey("max_buffered_bytes", KeyType::integer)
                                   .with_default("268435456")
                                   .with_range({1 << 20, std::int64_t{1} << 40}));
    EXPECT_EQ(row.default_value, "`268435456` (256 MiB)");
    EXPECT_EQ(row.allowed, "1048576 (1 MiB) to 1099511627776 (1 TiB)");
    KeyRow const small =
        key_row(ConfigKey("max_body_bytes", KeyType::integer).with_range({1, 1'572'864}));
    EXPECT_EQ(small.allowed, "1 to 1572864") << "1.5 MiB is said in bytes only";
}

TEST(KeyRow, ListsTheChoicesOfAString) {
    KeyRow const row = key_row(
        ConfigKey("colour", KeyType::string).with_default("\"red\"").with_choices(kColourNames));
    EXPECT_EQ(row.default_value, "`\"red\"`");
    EXPECT_EQ(row.allowed, "`\"red\"`, `\"green\"`");
}

TEST(KeyRow, ShowsTheDeclaredWordsInsteadOfTheRange) {
    KeyRow const row = key_row(ConfigKey("max_bytes", KeyType::integer)
                                   .with_default("0")
                                   .with_range(IntRange::at_least(0))
                                   .with_allowed("`0`, or 4096 or more"));
    EXPECT_EQ(row.allowed, "`0`, or 4096 or more");
}

TEST(KeyRow, SaysWhetherAKeyWithoutADefaultIsRequired) {
    EXPECT_EQ(key_row(ConfigKey("path", KeyType::string).as_required()).default_value, "required");
    EXPECT_EQ(key_row(ConfigKey("value", KeyType::string)).default_value, "none");
}

TEST(KeyRow, NamesEveryType) {
    EXPECT_EQ(key_row(ConfigKey("a", KeyType::boolean)).type, "boolean");
    EXPECT_EQ(key_row(ConfigKey("a", KeyType::boolean)).allowed, "`true`, `false`");
    EXPECT_EQ(key_row(ConfigKey("a", KeyType::strings)).type, "array of strings");
    EXPECT_EQ(key_row(ConfigKey("a", KeyType::table)).type, "table");
}

TEST(MarkdownTable, WritesAHeaderAndOneLinePerRow) {
    std::array<KeyRow, 2> const rows{
        KeyRow{"`a`", "string", "none", "a name", "the first"},
        KeyRow{"`b`", "integer", "`1`", "0 to 9", "the second"},
    };
    EXPECT_EQ(markdown_table(rows),
              "| key | type | default | allowed values | what it sets |\n"
              "|---|---|---|---|---|\n"
              "| `a` | string | none | a name | the first |\n"
              "| `b` | integer | `1` | 0 to 9 | the second |\n");
}

TEST(KeyNames, ListsTheNamesInOrderAndFindsAKeyByName) {
    std::array<ConfigKey, 2> const keys{ConfigKey("listen", KeyType::string),
                                        ConfigKey("threads", KeyType::integer)};
    EXPECT_THAT(key_names(keys), ::testing::ElementsAre("listen", "threads"));
    EXPECT_EQ(find_key(keys, "threads"), &keys[1]);
    EXPECT_EQ(find_key(keys, "thread"), nullptr);
}

}  // namespace
}  // namespace callsink
