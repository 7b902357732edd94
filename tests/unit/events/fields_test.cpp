// FieldReader and FieldWriter over a field list of the test's own (a Sample with one field of every
// kind, its Legs by name, and a Batch with a list of Items): what each reader accepts, the
// rejection it gives (code, path and message) for what it refuses, null as absent, unknown
// members kept in order, the first problem winning, and the writer encoding the struct back.
#include "callsink/events/fields.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace callsink {
namespace {

using ::testing::HasSubstr;

inline constexpr std::array<std::string_view, 2> kKinds{"ALPHA", "BETA"};
inline constexpr std::array<std::string_view, 2> kStatuses{"OPEN", "CLOSED"};

struct Leg {
    std::string name;  // its key in the named_objects member
    std::optional<std::string> status;
    std::optional<std::int64_t> duration;
    Json extra = Json::object();
};

void visit_fields(Matching<Leg> auto& leg, auto& fields) {
    fields.optional("status", leg.status, {.known = kStatuses});
    fields.optional("duration", leg.duration);
}

struct Sample {
    std::string id;    // required
    std::string kind;  // required, with known values
    std::optional<std::string> status;
    std::optional<std::int64_t> count;
    std::optional<double> score;
    std::optional<bool> enabled;
    std::optional<std::string> at;
    std::optional<Json> data;
    std::optional<Leg> leg;
    std::vector<Leg> legs;
    Json extra = Json::object();
};

void visit_fields(Matching<Sample> auto& sample, auto& fields) {
    fields.required("id", sample.id);
    fields.required("kind", sample.kind, {.known = kKinds});
    fields.optional("status", sample.status, {.known = kStatuses});
    fields.optional("count", sample.count);
    fields.optional("score", sample.score);
    fields.optional("enabled", sample.enabled);
    fields.timestamp("at", sample.at);
    fields.string_or_object("data", sample.data);
    fields.object("leg", sample.leg);
    fields.named_objects("legs", sample.legs);
}

struct Item {
    std::string y;  // required
    std::optional<std::string> status;
    Json extra = Json::object();
};

void visit_fields(Matching<Item> auto& item, auto& fields) {
    fields.required("y", item.y);
    fields.optional("status", item.status, {.known = kStatuses});
}

struct Batch {
    std::string id;
    std::vector<Item> x;
    Json extra = Json::object();
};

void visit_fields(Matching<Batch> auto& batch, auto& fields) {
    fields.required("id", batch.id);
    fields.required_list("x", batch.x);
}

// The smallest Sample: the two required members, then `more` merged in (null included).
Json sample_with(Json const& more = Json::object()) {
    Json json = {{"id", "s-1"}, {"kind", "ALPHA"}};
    for (auto it = more.begin(); it != more.end(); ++it) {
        json[it.key()] = *it;
    }
    return json;
}

struct Read {
    ReadResult<Sample> result;
    std::vector<ParseNote> notes;
};

Read read_sample(Json const& json) {
    std::vector<ParseNote> notes;
    auto result = read_object<Sample>(json, "", notes);
    return Read{std::move(result), std::move(notes)};
}

Sample accepted(Json const& json) {
    auto read = read_sample(json);
    EXPECT_TRUE(read.result.has_value()) << (read.result ? "" : read.result.error().message);
    return read.result ? std::move(*read.result) : Sample{};
}

Rejection refused(Json const& json) {
    auto read = read_sample(json);
    EXPECT_FALSE(read.result.has_value()) << json.dump();
    return read.result ? Rejection{} : read.result.error();
}

void expect_rejection(Rejection const& rejection, RejectCode code, std::string_view field,
                      std::string_view message) {
    EXPECT_EQ(to_string(rejection.code), to_string(code));
    EXPECT_EQ(rejection.field, field);
    EXPECT_EQ(rejection.message, message);
}

ReadResult<Batch> read_batch(Json const& json, std::vector<ParseNote>& notes) {
    return read_object<Batch>(json, "payload", notes);
}

// Required text.

TEST(FieldReaderRequired, ReadsANonEmptyString) {
    Sample const sample = accepted(sample_with());
    EXPECT_EQ(sample.id, "s-1");
    EXPECT_EQ(sample.kind, "ALPHA");
}

TEST(FieldReaderRequired, RefusesAMissingMember) {
    expect_rejection(refused({{"kind", "ALPHA"}}), RejectCode::missing_field, "id",
                     "id is required but missing");
}

TEST(FieldReaderRequired, RefusesNullSayingItWasNull) {
    expect_rejection(refused(sample_with({{"id", nullptr}})), RejectCode::missing_field, "id",
                     "id is required, got null");
}

TEST(FieldReaderRequired, RefusesAnEmptyStringAsAnInvalidValue) {
    expect_rejection(refused(sample_with({{"id", ""}})), RejectCode::invalid_value, "id",
                     "id must be a non-empty string, got \"\"");
}

TEST(FieldReaderRequired, RefusesANonStringAsAWrongType) {
    expect_rejection(refused(sample_with({{"id", 42}})), RejectCode::wrong_type, "id",
                     "id must be a non-empty string, got 42");
    expect_rejection(refused(sample_with({{"id", {{"a", 1}}}})), RejectCode::wrong_type, "id",
                     "id must be a non-empty string, got an object");
    expect_rejection(refused(sample_with({{"id", {1, 2}}})), RejectCode::wrong_type, "id",
                     "id must be a non-empty string, got an array");
}

TEST(FieldReaderRequired, NamesTheMemberByItsPathInANestedObject) {
    std::vector<ParseNote> notes;
    auto const result = read_batch({{"x", Json::array()}}, notes);
    ASSERT_FALSE(result.has_value());
    expect_rejection(result.error(), RejectCode::missing_field, "payload.id",
                     "payload.id is required but missing");
}

TEST(FieldReaderRequired, QuotesAtMostEightyBytesOfAReceivedString) {
    std::string const long_value(500, 'v');
    Rejection const rejection = refused(sample_with({{"count", long_value}}));
    EXPECT_EQ(rejection.message, "count must be an integer or a string of digits, got \"" +
                                     std::string(80, 'v') + "\xE2\x80\xA6\"");
}

// Known values.

TEST(FieldReaderKnownValues, NotesAValueTheListDoesNotHaveAndKeepsIt) {
    auto const read = read_sample(sample_with({{"kind", "GAMMA"}}));
    ASSERT_TRUE(read.result.has_value());
    EXPECT_EQ(read.result->kind, "GAMMA");
    ASSERT_EQ(read.notes.size(), 1u);
    EXPECT_EQ(read.notes[0].field, "kind");
    EXPECT_EQ(read.notes[0].value, "GAMMA");
}

TEST(FieldReaderKnownValues, NotesNothingForListedValues) {
    auto const read = read_sample(sample_with({{"kind", "BETA"}, {"status", "CLOSED"}}));
    ASSERT_TRUE(read.result.has_value());
    EXPECT_TRUE(read.notes.empty());
}

TEST(FieldReaderKnownValues, ComparesExactly) {
    auto const read = read_sample(sample_with({{"kind", "alpha"}}));
    ASSERT_TRUE(read.result.has_value());
    ASSERT_EQ(read.notes.size(), 1u);
    EXPECT_EQ(read.notes[0].value, "alpha");
}

TEST(FieldReaderKnownValues, NotesOptionalTextWithItsNestedPath) {
    auto const read = read_sample(sample_with({{"status", "PENDING"},
                                               {"leg", {{"status", "RINGING"}}},
                                               {"legs", {{"callB", {{"status", "X"}}}}}}));
    ASSERT_TRUE(read.result.has_value());
    ASSERT_EQ(read.notes.size(), 3u);
    EXPECT_EQ(read.notes[0].field, "status");
    EXPECT_EQ(read.notes[0].value, "PENDING");
    EXPECT_EQ(read.notes[1].field, "leg.status");
    EXPECT_EQ(read.notes[1].value, "RINGING");
    EXPECT_EQ(read.notes[2].field, "legs.callB.status");
    EXPECT_EQ(read.notes[2].value, "X");
}

TEST(FieldReaderKnownValues, NotesNothingForTextWithoutAList) {
    auto const read = read_sample(sample_with({{"id", "anything at all"}}));
    ASSERT_TRUE(read.result.has_value());
    EXPECT_TRUE(read.notes.empty());
}

// Optional text.

TEST(FieldReaderOptionalText, ReadsAStringIncludingAnEmptyOne) {
    EXPECT_EQ(accepted(sample_with({{"status", "OPEN"}})).status, "OPEN");
    EXPECT_EQ(accepted(sample_with({{"status", ""}})).status, "");
}

TEST(FieldReaderOptionalText, LeavesAnAbsentMemberUnset) {
    EXPECT_EQ(accepted(sample_with()).status, std::nullopt);
}

TEST(FieldReaderOptionalText, RefusesANonString) {
    expect_rejection(refused(sample_with({{"status", true}})), RejectCode::wrong_type, "status",
                     "status must be a string, got true");
    expect_rejection(refused(sample_with({{"status", 3.5}})), RejectCode::wrong_type, "status",
                     "status must be a string, got 3.5");
}

// Integers.

TEST(FieldReaderInteger, ReadsAJsonInteger) {
    EXPECT_EQ(accepted(sample_with({{"count", 42}})).count, 42);
    EXPECT_EQ(accepted(sample_with({{"count", -2005}})).count, -2005);
    EXPECT_EQ(accepted(sample_with({{"count", 0}})).count, 0);
}

TEST(FieldReaderInteger, ReadsAStringOfDigitsWithAnOptionalMinus) {
    EXPECT_EQ(accepted(sample_with({{"count", "42"}})).count, 42);
    EXPECT_EQ(accepted(sample_with({{"count", "-2005"}})).count, -2005);
    EXPECT_EQ(accepted(sample_with({{"count", "007"}})).count, 7);
}

TEST(FieldReaderInteger, ReadsAFloatWithoutAFraction) {
    EXPECT_EQ(accepted(sample_with({{"count", 10.0}})).count, 10);
    EXPECT_EQ(accepted(sample_with({{"count", -3.0}})).count, -3);
}

TEST(FieldReaderInteger, ReadsTheExtremesOfA64BitInteger) {
    EXPECT_EQ(
        accepted(Json::parse(R"({"id":"s","kind":"ALPHA","count":9223372036854775807})")).count,
        INT64_MAX);
    EXPECT_EQ(
        accepted(Json::parse(R"({"id":"s","kind":"ALPHA","count":-9223372036854775808})")).count,
        INT64_MIN);
    EXPECT_EQ(accepted(sample_with({{"count", "9223372036854775807"}})).count, INT64_MAX);
}

TEST(FieldReaderInteger, RefusesAFraction) {
    expect_rejection(refused(sample_with({{"count", 10.5}})), RejectCode::invalid_value, "count",
                     "count must be an integer or a string of digits, got 10.5");
}

TEST(FieldReaderInteger, RefusesTextThatIsNotJustDigits) {
    for (char const* text : {"12a", "", "+5", " 5", "5 ", "1.0", "0x10", "-", "1e3"}) {
        expect_rejection(
            refused(sample_with({{"count", text}})), RejectCode::invalid_value, "count",
            "count must be an integer or a string of digits, got \"" + std::string(text) + "\"");
    }
}

TEST(FieldReaderInteger, RefusesValuesBeyondA64BitInteger) {
    expect_rejection(
        refused(Json::parse(R"({"id":"s","kind":"ALPHA","count":9223372036854775808})")),
        RejectCode::invalid_value, "count",
        "count must fit in a 64-bit signed integer, got 9223372036854775808");
    expect_rejection(refused(sample_with({{"count", "9223372036854775808"}})),
                     RejectCode::invalid_value, "count",
                     "count must fit in a 64-bit signed integer, got \"9223372036854775808\"");
    expect_rejection(refused(sample_with({{"count", "-9223372036854775809"}})),
                     RejectCode::invalid_value, "count",
                     "count must fit in a 64-bit signed integer, got \"-9223372036854775809\"");
    EXPECT_EQ(refused(sample_with({{"count", 1e300}})).message,
              "count must fit in a 64-bit signed integer, got 1e+300");
}

TEST(FieldReaderInteger, RefusesALargeFloatThatNoLongerTellsWhichIntegerWasSent) {
    // 2^53 + 2 is exact as a double, but so is every neighbour a sender might have meant.
    Rejection const rejection = refused(sample_with({{"count", 9007199254740994.0}}));
    EXPECT_EQ(rejection.code, RejectCode::invalid_value);
    EXPECT_THAT(rejection.message, HasSubstr("must be an integer or a string of digits"));
    EXPECT_EQ(accepted(sample_with({{"count", 9007199254740992.0}})).count, 9007199254740992);
}

TEST(FieldReaderInteger, RefusesOtherTypes) {
    expect_rejection(refused(sample_with({{"count", true}})), RejectCode::wrong_type, "count",
                     "count must be an integer or a string of digits, got true");
    expect_rejection(refused(sample_with({{"count", Json::array()}})), RejectCode::wrong_type,
                     "count", "count must be an integer or a string of digits, got an array");
}

// Numbers.

TEST(FieldReaderNumber, ReadsIntegersAndFloats) {
    EXPECT_EQ(accepted(sample_with({{"score", 0.05}})).score, 0.05);
    EXPECT_EQ(accepted(sample_with({{"score", 5}})).score, 5.0);
    EXPECT_EQ(accepted(sample_with({{"score", -4.25}})).score, -4.25);
}

TEST(FieldReaderNumber, ReadsANumericString) {
    EXPECT_EQ(accepted(sample_with({{"score", "5.0"}})).score, 5.0);
    EXPECT_EQ(accepted(sample_with({{"score", "-0.5"}})).score, -0.5);
    EXPECT_EQ(accepted(sample_with({{"score", "1e3"}})).score, 1000.0);
}

TEST(FieldReaderNumber, RefusesTextThatIsNotANumber) {
    for (char const* text : {"abc", "", "5.0x", " 5", "+5"}) {
        expect_rejection(
            refused(sample_with({{"score", text}})), RejectCode::invalid_value, "score",
            "score must be a number or a numeric string, got \"" + std::string(text) + "\"");
    }
}

TEST(FieldReaderNumber, RefusesNonFiniteValuesThatCouldNotBeWrittenBack) {
    for (char const* text : {"nan", "inf", "-inf", "1e999"}) {
        Rejection const rejection = refused(sample_with({{"score", text}}));
        EXPECT_EQ(rejection.code, RejectCode::invalid_value) << text;
        EXPECT_EQ(rejection.field, "score") << text;
    }
}

TEST(FieldReaderNumber, RefusesOtherTypes) {
    expect_rejection(refused(sample_with({{"score", false}})), RejectCode::wrong_type, "score",
                     "score must be a number or a numeric string, got false");
    expect_rejection(refused(sample_with({{"score", Json::object()}})), RejectCode::wrong_type,
                     "score", "score must be a number or a numeric string, got an object");
}

// Booleans.

TEST(FieldReaderBoolean, ReadsTrueAndFalse) {
    EXPECT_EQ(accepted(sample_with({{"enabled", true}})).enabled, true);
    EXPECT_EQ(accepted(sample_with({{"enabled", false}})).enabled, false);
}

TEST(FieldReaderBoolean, ReadsTheStringsTrueAndFalse) {
    EXPECT_EQ(accepted(sample_with({{"enabled", "true"}})).enabled, true);
    EXPECT_EQ(accepted(sample_with({{"enabled", "false"}})).enabled, false);
}

TEST(FieldReaderBoolean, RefusesOtherStrings) {
    for (char const* text : {"TRUE", "False", "yes", "1", "", " true"}) {
        expect_rejection(
            refused(sample_with({{"enabled", text}})), RejectCode::invalid_value, "enabled",
            "enabled must be true, false, or the string \"true\" or \"false\", got \"" +
                std::string(text) + "\"");
    }
}

TEST(FieldReaderBoolean, RefusesNumbersAndOtherTypes) {
    expect_rejection(refused(sample_with({{"enabled", 1}})), RejectCode::wrong_type, "enabled",
                     "enabled must be true, false, or the string \"true\" or \"false\", got 1");
    EXPECT_EQ(refused(sample_with({{"enabled", Json::array()}})).code, RejectCode::wrong_type);
}

// Timestamps.

TEST(FieldReaderTimestamp, KeepsAnRfc3339StringAsReceived) {
    EXPECT_EQ(accepted(sample_with({{"at", "2026-01-06T10:17:19.375Z"}})).at,
              "2026-01-06T10:17:19.375Z");
    EXPECT_EQ(accepted(sample_with({{"at", "2019-10-16 08:12:01+08:00"}})).at,
              "2019-10-16 08:12:01+08:00");
}

TEST(FieldReaderTimestamp, RefusesAStringThatIsNotATimestamp) {
    expect_rejection(refused(sample_with({{"at", "2026-02-30T10:17:19Z"}})),
                     RejectCode::invalid_value, "at",
                     "at must be an RFC 3339 timestamp such as \"2026-01-06T10:17:19.375Z\", got "
                     "\"2026-02-30T10:17:19Z\"");
    EXPECT_EQ(refused(sample_with({{"at", "yesterday"}})).code, RejectCode::invalid_value);
}

TEST(FieldReaderTimestamp, RefusesANonString) {
    expect_rejection(refused(sample_with({{"at", 1767694639}})), RejectCode::wrong_type, "at",
                     "at must be an RFC 3339 timestamp string, got 1767694639");
}

// String or object.

TEST(FieldReaderStringOrObject, KeepsAStringOrAnObjectAsReceived) {
    EXPECT_EQ(accepted(sample_with({{"data", "digits=12"}})).data, Json("digits=12"));
    Json const object = Json::parse(R"({"z":1,"a":{"b":[true]}})");
    Sample const sample = accepted(sample_with({{"data", object}}));
    ASSERT_TRUE(sample.data.has_value());
    EXPECT_EQ(sample.data->dump(), R"({"z":1,"a":{"b":[true]}})");
}

TEST(FieldReaderStringOrObject, RefusesOtherTypes) {
    expect_rejection(refused(sample_with({{"data", {1, 2}}})), RejectCode::wrong_type, "data",
                     "data must be a string or an object, got an array");
    expect_rejection(refused(sample_with({{"data", 7}})), RejectCode::wrong_type, "data",
                     "data must be a string or an object, got 7");
}

// Nested objects.

TEST(FieldReaderObject, ReadsANestedObjectWithItsOwnList) {
    Sample const sample =
        accepted(sample_with({{"leg", {{"status", "OPEN"}, {"duration", "30"}, {"more", 1}}}}));
    ASSERT_TRUE(sample.leg.has_value());
    EXPECT_EQ(sample.leg->status, "OPEN");
    EXPECT_EQ(sample.leg->duration, 30);
    EXPECT_EQ(sample.leg->extra, Json({{"more", 1}}));
    EXPECT_EQ(sample.leg->name, "");
}

TEST(FieldReaderObject, NamesAProblemInsideByItsDottedPath) {
    expect_rejection(refused(sample_with({{"leg", {{"duration", "long"}}}})),
                     RejectCode::invalid_value, "leg.duration",
                     "leg.duration must be an integer or a string of digits, got \"long\"");
}

TEST(FieldReaderObject, RefusesANonObject) {
    expect_rejection(refused(sample_with({{"leg", "x"}})), RejectCode::wrong_type, "leg",
                     "leg must be an object, got \"x\"");
}

TEST(FieldReaderObject, ReadsAnEmptyObject) {
    Sample const sample = accepted(sample_with({{"leg", Json::object()}}));
    ASSERT_TRUE(sample.leg.has_value());
    EXPECT_EQ(sample.leg->status, std::nullopt);
}

// Named objects.

TEST(FieldReaderNamedObjects, ReadsEachMemberNamedByItsKeyInReceivedOrder) {
    Sample const sample = accepted(
        sample_with({{"legs", {{"callB", {{"duration", 5}}}, {"callA", {{"status", "OPEN"}}}}}}));
    ASSERT_EQ(sample.legs.size(), 2u);
    EXPECT_EQ(sample.legs[0].name, "callB");
    EXPECT_EQ(sample.legs[0].duration, 5);
    EXPECT_EQ(sample.legs[1].name, "callA");
    EXPECT_EQ(sample.legs[1].status, "OPEN");
}

TEST(FieldReaderNamedObjects, SkipsANullMember) {
    Sample const sample =
        accepted(sample_with({{"legs", {{"callA", nullptr}, {"callB", {{"duration", 1}}}}}}));
    ASSERT_EQ(sample.legs.size(), 1u);
    EXPECT_EQ(sample.legs[0].name, "callB");
}

TEST(FieldReaderNamedObjects, RefusesAMemberThatIsNotAnObject) {
    expect_rejection(refused(sample_with({{"legs", {{"callA", Json::object()}, {"callB", 3}}}})),
                     RejectCode::wrong_type, "legs.callB", "legs.callB must be an object, got 3");
}

TEST(FieldReaderNamedObjects, NamesAProblemInsideAMemberByItsPath) {
    expect_rejection(refused(sample_with({{"legs", {{"callA", {{"status", 1}}}}}})),
                     RejectCode::wrong_type, "legs.callA.status",
                     "legs.callA.status must be a string, got 1");
}

TEST(FieldReaderNamedObjects, RefusesANonObject) {
    expect_rejection(refused(sample_with({{"legs", Json::array()}})), RejectCode::wrong_type,
                     "legs", "legs must be an object, got an array");
}

// Required lists.

TEST(FieldReaderRequiredList, ReadsEveryElementInOrder) {
    std::vector<ParseNote> notes;
    auto const batch =
        read_batch(Json::parse(R"({"id":"b","x":[{"y":"first"},{"y":"second","z":true}]})"), notes);
    ASSERT_TRUE(batch.has_value()) << batch.error().message;
    ASSERT_EQ(batch->x.size(), 2u);
    EXPECT_EQ(batch->x[0].y, "first");
    EXPECT_EQ(batch->x[1].y, "second");
    EXPECT_EQ(batch->x[1].extra, Json({{"z", true}}));
}

TEST(FieldReaderRequiredList, AcceptsAnEmptyArray) {
    std::vector<ParseNote> notes;
    auto const batch = read_batch(Json::parse(R"({"id":"b","x":[]})"), notes);
    ASSERT_TRUE(batch.has_value());
    EXPECT_TRUE(batch->x.empty());
}

TEST(FieldReaderRequiredList, RefusesAMissingOrNullList) {
    std::vector<ParseNote> notes;
    auto const missing = read_batch(Json::parse(R"({"id":"b"})"), notes);
    ASSERT_FALSE(missing.has_value());
    expect_rejection(missing.error(), RejectCode::missing_field, "payload.x",
                     "payload.x is required but missing");
    auto const null = read_batch(Json::parse(R"({"id":"b","x":null})"), notes);
    ASSERT_FALSE(null.has_value());
    expect_rejection(null.error(), RejectCode::missing_field, "payload.x",
                     "payload.x is required, got null");
}

TEST(FieldReaderRequiredList, RefusesANonArray) {
    std::vector<ParseNote> notes;
    auto const batch = read_batch(Json::parse(R"({"id":"b","x":{"y":"a"}})"), notes);
    ASSERT_FALSE(batch.has_value());
    expect_rejection(batch.error(), RejectCode::wrong_type, "payload.x",
                     "payload.x must be an array, got an object");
}

TEST(FieldReaderRequiredList, RefusesAnElementThatIsNotAnObjectByItsIndex) {
    std::vector<ParseNote> notes;
    auto const batch = read_batch(Json::parse(R"({"id":"b","x":[{"y":"a"},"b"]})"), notes);
    ASSERT_FALSE(batch.has_value());
    expect_rejection(batch.error(), RejectCode::wrong_type, "payload.x[1]",
                     "payload.x[1] must be an object, got \"b\"");
    auto const null = read_batch(Json::parse(R"({"id":"b","x":[null]})"), notes);
    ASSERT_FALSE(null.has_value());
    EXPECT_EQ(null.error().field, "payload.x[0]");
}

TEST(FieldReaderRequiredList, NamesAProblemInsideAnElementByIndexAndKey) {
    std::vector<ParseNote> notes;
    auto const batch = read_batch(Json::parse(R"({"id":"b","x":[{"y":"a"},{"y":""}]})"), notes);
    ASSERT_FALSE(batch.has_value());
    expect_rejection(batch.error(), RejectCode::invalid_value, "payload.x[1].y",
                     "payload.x[1].y must be a non-empty string, got \"\"");
}

TEST(FieldReaderRequiredList, NotesUnlistedValuesInsideAnElementByItsPath) {
    std::vector<ParseNote> notes;
    auto const batch =
        read_batch(Json::parse(R"({"id":"b","x":[{"y":"a"},{"y":"b","status":"NEW"}]})"), notes);
    ASSERT_TRUE(batch.has_value());
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0].field, "payload.x[1].status");
    EXPECT_EQ(notes[0].value, "NEW");
}

// Null is absent.

TEST(FieldReaderNull, ReadsNullAsAbsentForEveryOptionalKind) {
    auto const read = read_sample(sample_with({{"status", nullptr},
                                               {"count", nullptr},
                                               {"score", nullptr},
                                               {"enabled", nullptr},
                                               {"at", nullptr},
                                               {"data", nullptr},
                                               {"leg", nullptr},
                                               {"legs", nullptr}}));
    ASSERT_TRUE(read.result.has_value()) << read.result.error().message;
    Sample const& sample = *read.result;
    EXPECT_EQ(sample.status, std::nullopt);
    EXPECT_EQ(sample.count, std::nullopt);
    EXPECT_EQ(sample.score, std::nullopt);
    EXPECT_EQ(sample.enabled, std::nullopt);
    EXPECT_EQ(sample.at, std::nullopt);
    EXPECT_EQ(sample.data, std::nullopt);
    EXPECT_FALSE(sample.leg.has_value());
    EXPECT_TRUE(sample.legs.empty());
    // A known member sent as null is still known: it is not kept as an unknown one.
    EXPECT_EQ(sample.extra, Json::object());
}

// Unknown members.

TEST(FieldReaderExtra, KeepsUnknownMembersInReceivedOrder) {
    Json const json =
        Json::parse(R"({"zeta":1,"id":"s","alpha":{"n":[1]},"kind":"ALPHA","mid":null,"count":3})");
    Sample const sample = accepted(json);
    EXPECT_EQ(sample.extra.dump(), R"({"zeta":1,"alpha":{"n":[1]},"mid":null})");
    EXPECT_EQ(sample.count, 3);
}

TEST(FieldReaderExtra, IsAnEmptyObjectWhenEveryMemberIsKnown) {
    Sample const sample = accepted(sample_with({{"count", 1}}));
    ASSERT_TRUE(sample.extra.is_object());
    EXPECT_TRUE(sample.extra.empty());
}

// The first problem wins.

TEST(FieldReaderFirstProblem, ReportsTheFirstProblemInListOrder) {
    // "count" comes before "enabled" in the list, whatever the order of the members.
    Json const json = Json::parse(R"({"enabled":"maybe","id":"s","kind":"ALPHA","count":"x"})");
    Rejection const rejection = refused(json);
    EXPECT_EQ(rejection.field, "count");
    // A missing required member is found first of all.
    EXPECT_EQ(refused(Json::parse(R"({"kind":"ALPHA","count":"x"})")).field, "id");
}

TEST(FieldReaderFirstProblem, LaterReadsDoNothing) {
    Json const json = Json::parse(R"({"a":true,"b":5,"c":"text"})");
    std::vector<ParseNote> notes;
    FieldReader fields(json, "", notes);
    std::optional<std::int64_t> a;
    std::optional<std::int64_t> b;
    std::optional<std::string> c;
    fields.optional("a", a);
    fields.optional("b", b);
    fields.optional("c", c, {.known = kStatuses});
    EXPECT_EQ(a, std::nullopt);
    EXPECT_EQ(b, std::nullopt);
    EXPECT_EQ(c, std::nullopt);
    EXPECT_TRUE(notes.empty());
    EXPECT_EQ(fields.required_object("d"), nullptr);
}

TEST(FieldReaderFirstProblem, KeepsAnEarlierProblemOverARejectionFromTheCaller) {
    Json const json = Json::parse(R"({"a":true})");
    std::vector<ParseNote> notes;
    FieldReader fields(json, "p", notes);
    std::optional<std::int64_t> a;
    fields.optional("a", a);
    fields.reject(Rejection{RejectCode::invalid_value, "p.later", "later"});
    struct Empty {
        Json extra;
    };
    auto const result = fields.finish(Empty{});
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().field, "p.a");
}

TEST(FieldReaderFirstProblem, RecordsACallersRejectionWhenThereIsNoEarlierOne) {
    Json const json = Json::parse(R"({"a":1})");
    std::vector<ParseNote> notes;
    FieldReader fields(json, "", notes);
    fields.reject(Rejection{RejectCode::invalid_value, "a", "a is odd"});
    std::optional<std::int64_t> a;
    fields.optional("a", a);
    EXPECT_EQ(a, std::nullopt);
    struct Empty {
        Json extra;
    };
    auto const result = fields.finish(Empty{});
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().message, "a is odd");
}

// required_object.

TEST(FieldReaderRequiredObject, ReturnsTheObjectAndClaimsItsKey) {
    Json const json = Json::parse(R"({"details":{"k":1},"other":2})");
    std::vector<ParseNote> notes;
    FieldReader fields(json, "payload", notes);
    Json const* details = fields.required_object("details");
    ASSERT_NE(details, nullptr);
    EXPECT_EQ(*details, Json({{"k", 1}}));
    struct Empty {
        Json extra;
    };
    auto const result = fields.finish(Empty{});
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->extra, Json({{"other", 2}}));
}

TEST(FieldReaderRequiredObject, RefusesAMissingOrWronglyTypedObject) {
    Json const json = Json::parse(R"({"details":[1]})");
    std::vector<ParseNote> notes;
    {
        FieldReader fields(json, "payload", notes);
        EXPECT_EQ(fields.required_object("missing"), nullptr);
        struct Empty {
            Json extra;
        };
        auto const result = fields.finish(Empty{});
        ASSERT_FALSE(result.has_value());
        expect_rejection(result.error(), RejectCode::missing_field, "payload.missing",
                         "payload.missing is required but missing");
    }
    {
        FieldReader fields(json, "payload", notes);
        EXPECT_EQ(fields.required_object("details"), nullptr);
        struct Empty {
            Json extra;
        };
        auto const result = fields.finish(Empty{});
        ASSERT_FALSE(result.has_value());
        expect_rejection(result.error(), RejectCode::wrong_type, "payload.details",
                         "payload.details must be an object, got an array");
    }
}

// FieldWriter.

TEST(FieldWriter, WritesFieldsInListOrderThenUnknownMembers) {
    Json const json = Json::parse(
        R"({"zeta":0,"count":"42","id":"s","kind":"ALPHA","enabled":"true","score":"0.5"})");
    Sample const sample = accepted(json);
    EXPECT_EQ(write_object(sample).dump(),
              R"({"id":"s","kind":"ALPHA","count":42,"score":0.5,"enabled":true,"zeta":0})");
}

TEST(FieldWriter, LeavesOutAbsentOptionalFieldsAndEmptyNamedObjects) {
    Sample const sample = accepted(sample_with());
    EXPECT_EQ(write_object(sample).dump(), R"({"id":"s-1","kind":"ALPHA"})");
}

TEST(FieldWriter, WritesNestedAndNamedObjectsWithTheirOwnUnknownMembers) {
    Json const json = Json::parse(
        R"({"id":"s","kind":"ALPHA","at":"2026-01-06T10:17:19Z","data":{"k":"v"},)"
        R"("leg":{"q":1,"duration":"7"},"legs":{"callB":{"status":"OPEN"},"callA":{}}})");
    EXPECT_EQ(write_object(accepted(json)).dump(),
              R"({"id":"s","kind":"ALPHA","at":"2026-01-06T10:17:19Z","data":{"k":"v"},)"
              R"("leg":{"duration":7,"q":1},"legs":{"callB":{"status":"OPEN"},"callA":{}}})");
}

TEST(FieldWriter, WritesARequiredListEvenWhenEmpty) {
    std::vector<ParseNote> notes;
    auto const empty = read_batch(Json::parse(R"({"id":"b","x":[]})"), notes);
    ASSERT_TRUE(empty.has_value());
    EXPECT_EQ(write_object(*empty).dump(), R"({"id":"b","x":[]})");
    auto const two =
        read_batch(Json::parse(R"({"x":[{"w":1,"y":"a"},{"y":"b"}],"id":"b"})"), notes);
    ASSERT_TRUE(two.has_value());
    EXPECT_EQ(write_object(*two).dump(), R"({"id":"b","x":[{"y":"a","w":1},{"y":"b"}]})");
}

TEST(FieldWriter, KeepsAKnownFieldOverAnExtraMemberOfTheSameName) {
    Sample sample;
    sample.id = "typed";
    sample.kind = "ALPHA";
    sample.extra = Json({{"id", "from extra"}, {"other", 1}});
    EXPECT_EQ(write_object(sample).dump(), R"({"id":"typed","kind":"ALPHA","other":1})");
}

}  // namespace
}  // namespace callsink
