// The registry of event types, and every type's identity against its own field list: an id, a
// redelivery key or a log field that names a member the list does not have (or one holding a
// phone number) would make a type that parses but is deduplicated or logged wrong.
#include "callsink/events/event_types.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "callsink/events/parse.hpp"
#include "fixtures.hpp"

namespace callsink {
namespace {

// The top-level text field `key` of the type's payload, holding no phone number.
void expect_plain_text_field(EventType const& type, std::string_view key, bool required) {
    SCOPED_TRACE(std::string(type.identity.name) + " " + std::string(key));
    FieldSpec const* spec = type.schema().field(key);
    ASSERT_NE(spec, nullptr) << "no such field in the type's list";
    EXPECT_EQ(spec->kind, FieldKind::text);
    EXPECT_EQ(spec->text.privacy, Privacy::none) << "an identity must not hold a phone number";
    if (required) {
        EXPECT_TRUE(spec->required) << "a redelivery key must always be there";
    }
}

TEST(EventTypes, EachIdentityNamesPlainTextFieldsOfItsOwnPayload) {
    for (EventType const& type : event_types()) {
        EventIdentity const& identity = type.identity;
        if (!identity.event_id.empty()) {
            expect_plain_text_field(type, identity.event_id, true);
        }
        if (!identity.session_id.empty()) {
            expect_plain_text_field(type, identity.session_id, false);
        }
        for (std::string_view key : identity.redelivery) {
            expect_plain_text_field(type, key, true);
        }
        for (SummaryField const& field : identity.summary) {
            expect_plain_text_field(type, field.key, false);
        }
        EXPECT_LE(identity.summary.size(), kMaxSummaryFields);
    }
}

TEST(EventTypes, NamesPathsAndWebhooksAreDistinct) {
    std::set<std::string_view> names, paths, webhooks;
    for (EventType const& type : event_types()) {
        EXPECT_TRUE(names.insert(type.identity.name).second) << type.identity.name;
        EXPECT_TRUE(paths.insert(type.identity.path).second) << type.identity.path;
        EXPECT_TRUE(webhooks.insert(type.identity.webhook).second) << type.identity.webhook;
        EXPECT_TRUE(type.identity.path.starts_with('/') && type.identity.path.size() > 1);
    }
}

TEST(EventTypes, AreFoundByNameAndIndexedAsTheirPayload) {
    std::size_t index = 0;
    for (EventType const& type : event_types()) {
        EXPECT_EQ(type.index, index);
        EXPECT_EQ(find_event_type(type.identity.name), &type);
        EXPECT_EQ(event_type_names()[index], type.identity.name);
        ++index;
    }
    EXPECT_EQ(index, std::variant_size_v<EventPayload>);
    EXPECT_EQ(find_event_type("CALL_ACTION"), nullptr);
    EXPECT_EQ(find_event_type("call_status"), nullptr);
}

// Each header under events/types/ is one type, named as its file (call_status.hpp holds
// CALL_STATUS): a header left out of the registration line is found here.
TEST(EventTypes, AreTheTypesOfTheTypesFolderEachRegisteredOnce) {
    std::set<std::string> headers;
    for (auto const& entry : std::filesystem::directory_iterator(testing::repo_root() /
                                                                 "include/callsink/events/types")) {
        std::string name = entry.path().stem().string();
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        headers.insert(name);
    }
    std::multiset<std::string> registered;
    for (EventType const& type : event_types()) {
        registered.emplace(type.identity.name);
    }
    EXPECT_EQ(std::set<std::string>(registered.begin(), registered.end()), headers);
    EXPECT_EQ(registered.size(), headers.size());
    EXPECT_GE(headers.size(), 4U);  // the 8x8 Number Masking webhooks callsink stores
}

// tests/data/rejections/: each fixture with the code and field path it must be rejected with.
TEST(EventTypes, RejectEachFixtureOfTheRejectionsFolderAsExpected) {
    std::filesystem::path const folder =
        std::filesystem::path(CALLSINK_TEST_DATA_DIR) / "rejections";
    Json const expected = Json::parse(testing::read_file(folder / "expected.json"));
    std::size_t checked = 0;
    for (auto const& entry : std::filesystem::directory_iterator(folder)) {
        std::string const name = entry.path().filename().string();
        if (name == "expected.json") {
            continue;
        }
        SCOPED_TRACE(name);
        ASSERT_TRUE(expected.contains(name)) << "no expectation in expected.json";
        auto const result = parse_event(testing::read_file(entry.path()));
        ASSERT_FALSE(result.has_value()) << "accepted";
        EXPECT_EQ(to_string(result.error().code), expected[name][0].get<std::string>());
        EXPECT_EQ(result.error().field, expected[name][1].get<std::string>());
        EXPECT_THAT(result.error().message, ::testing::HasSubstr(result.error().field));
        ++checked;
    }
    EXPECT_EQ(checked + 1,
              expected.size());  // every expectation has its fixture ("_comment" aside)
}

}  // namespace
}  // namespace callsink
