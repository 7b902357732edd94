// MemberIndex: an object's members found in order with their values' text, a nested object
// collected on the way, the capacity, and each member matched to its field list, duplicates
// refused.
#include "callsink/records/member_index.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace callsink {
namespace {

std::vector<std::string_view> keys(MemberIndex const& index) {
    std::vector<std::string_view> out;
    for (IndexedMember const& member : index.all()) {
        out.push_back(member.key);
    }
    return out;
}

std::vector<std::string_view> values(MemberIndex const& index) {
    std::vector<std::string_view> out;
    for (IndexedMember const& member : index.all()) {
        out.push_back(member.value);
    }
    return out;
}

std::string object_with_members(std::size_t count) {
    std::string text = "{";
    for (std::size_t i = 0; i < count; ++i) {
        text += (i == 0 ? "\"k" : ",\"k") + std::to_string(i) + "\":" + std::to_string(i);
    }
    return text + "}";
}

ObjectSchema const& abc_list() {
    static ObjectSchema const schema{{
        FieldSpec{"a", FieldKind::text, false, {}, nullptr},
        FieldSpec{"b", FieldKind::integer, false, {}, nullptr},
        FieldSpec{"c", FieldKind::boolean, false, {}, nullptr},
    }};
    return schema;
}

TEST(MemberIndex, CollectsEachMembersKeyAndValueTextInOrder) {
    MemberIndex index;
    std::string const text =
        R"({ "z" : "a \"quoted\" }" , "y":{"in":[1,"]"]},"x":-2.5e1,"w":null })";
    ASSERT_TRUE(index.collect(text));
    EXPECT_EQ(keys(index), (std::vector<std::string_view>{"z", "y", "x", "w"}));
    EXPECT_EQ(values(index), (std::vector<std::string_view>{
                                 R"("a \"quoted\" }")", R"({"in":[1,"]"]})", "-2.5e1", "null"}));
    EXPECT_EQ(index.text(), text);
}

TEST(MemberIndex, CollectsAnEmptyObject) {
    MemberIndex index;
    ASSERT_TRUE(index.collect("{ }"));
    EXPECT_TRUE(index.all().empty());
}

TEST(MemberIndex, RefusesAnythingButExactlyOneObject) {
    for (std::string_view text :
         {"", "[]", "{} ", " {}", "{}{}", R"({"a":1,})", R"({"a":})", R"({"a":[1})", "{\"a\":1"}) {
        MemberIndex index;
        EXPECT_FALSE(index.collect(text)) << text;
    }
}

TEST(MemberIndex, HoldsItsCapacityAndRefusesOneMoreMember) {
    MemberIndex index;
    EXPECT_TRUE(index.collect(object_with_members(one_pass::kObjectMemberCapacity)));
    EXPECT_EQ(index.all().size(), one_pass::kObjectMemberCapacity);
    EXPECT_FALSE(index.collect(object_with_members(one_pass::kObjectMemberCapacity + 1)));
}

// Collects the object `text` holds exactly, its member "payload" into `nested` on the way.
bool collect_with_payload(std::string_view text, MemberIndex& index, MemberIndex& nested) {
    JsonLexer in(text);
    return index.collect(in, "payload", &nested) && in.done();
}

TEST(MemberIndex, CollectsTheNamedNestedObjectOnTheWay) {
    std::string const payload = R"({"id":"e1", "n":{"deep":1}})";
    std::string const text = R"({"type":"T","payload":)" + payload + R"(,"after":true})";
    MemberIndex envelope;
    MemberIndex nested;
    ASSERT_TRUE(collect_with_payload(text, envelope, nested));
    EXPECT_EQ(keys(envelope), (std::vector<std::string_view>{"type", "payload", "after"}));
    EXPECT_EQ(envelope.find("payload")->value, payload);
    EXPECT_EQ(nested.text(), payload);
    EXPECT_EQ(keys(nested), (std::vector<std::string_view>{"id", "n"}));
    EXPECT_EQ(nested.find("n")->value, R"({"deep":1})");
}

TEST(MemberIndex, SkipsANamedMemberThatIsNoObject) {
    MemberIndex envelope;
    MemberIndex nested;
    ASSERT_TRUE(collect_with_payload(R"({"payload":"text"})", envelope, nested));
    EXPECT_EQ(envelope.find("payload")->value, R"("text")");
}

TEST(MemberIndex, RefusesTheWholeObjectWhenTheNestedOneIsBroken) {
    MemberIndex envelope;
    MemberIndex nested;
    EXPECT_FALSE(collect_with_payload(R"({"payload":{"a" 1}})", envelope, nested));
}

TEST(MemberIndex, FindsTheFirstMemberOfAKey) {
    MemberIndex index;
    ASSERT_TRUE(index.collect(R"({"a":1,"b":2})"));
    EXPECT_EQ(index.find("b")->value, "2");
    EXPECT_EQ(index.find("c"), nullptr);
}

TEST(MemberIndex, GivesEachMemberItsFieldWhateverTheOrder) {
    MemberIndex index;
    ASSERT_TRUE(index.collect(R"({"c":true,"extra":0,"a":"x"})"));
    ASSERT_TRUE(index.assign_fields(abc_list()));
    ASSERT_NE(index.field(0), nullptr);
    EXPECT_EQ(index.field(0)->value, R"("x")");
    EXPECT_EQ(index.field(1), nullptr);
    ASSERT_NE(index.field(2), nullptr);
    EXPECT_EQ(index.field(2)->value, "true");
    std::vector<int> fields;
    for (IndexedMember const& member : index.all()) {
        fields.push_back(member.field);
    }
    EXPECT_EQ(fields, (std::vector<int>{2, -1, 0}));
}

TEST(MemberIndex, RefusesADuplicateKeyListedOrNot) {
    for (std::string_view text : {R"({"a":"x","b":1,"a":"y"})", R"({"q":1,"a":"x","q":2})"}) {
        MemberIndex index;
        ASSERT_TRUE(index.collect(text)) << text;
        EXPECT_FALSE(index.assign_fields(abc_list())) << text;
    }
}

TEST(MemberIndex, ComparesKeysAsWritten) {
    MemberIndex index;
    ASSERT_TRUE(index.collect(R"({"a\"":1,"a":"x"})"));
    ASSERT_TRUE(index.assign_fields(abc_list()));
    EXPECT_EQ(index.field(0)->value, R"("x")");
}

TEST(MemberIndex, RefusesAListBeyondItsFieldCapacity) {
    ObjectSchema wide;
    std::vector<std::string> names;
    names.reserve(one_pass::kListFieldCapacity + 1);
    for (std::size_t i = 0; i <= one_pass::kListFieldCapacity; ++i) {
        names.push_back("f" + std::to_string(i));
    }
    for (std::string const& name : names) {
        wide.fields.push_back(FieldSpec{name, FieldKind::integer, false, {}, nullptr});
    }
    MemberIndex index;
    ASSERT_TRUE(index.collect(R"({"f0":1})"));
    EXPECT_FALSE(index.assign_fields(wide));
    wide.fields.pop_back();
    EXPECT_TRUE(index.assign_fields(wide));
    EXPECT_EQ(index.field(0)->value, "1");
}

}  // namespace
}  // namespace callsink
