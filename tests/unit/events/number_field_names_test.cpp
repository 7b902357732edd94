// NumberFieldNames: derived from the field lists' privacy markers, so that every type's number
// field is scrubbed from a rejected body, and a new type's would be too.
#include "callsink/events/number_field_names.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "callsink/events/event_types.hpp"
#include "callsink/events/msisdn_privacy.hpp"

namespace callsink {
namespace {

using ::testing::ElementsAre;

// Every text field marked Privacy::phone_number, at any depth of `schema`.
void collect_number_fields(ObjectSchema const& schema, std::vector<std::string>& keys) {
    for (FieldSpec const& field : schema.fields) {
        if (field.kind == FieldKind::text && field.text.privacy == Privacy::phone_number) {
            keys.emplace_back(field.key);
        }
        if (field.nested != nullptr) {
            collect_number_fields(*field.nested, keys);
        }
    }
}

TEST(NumberFieldNames, AreTheRegisteredTypesNumberFieldsAndTheCallActions) {
    EXPECT_THAT(NumberFieldNames::registered().names(),
                ElementsAre("destination", "msisdn", "source", "sourcemsisdn", "targetmsisdn"));
    EXPECT_EQ(NumberFieldNames::registered().longest(), 12U);
}

TEST(NumberFieldNames, MatchInAnyLetterCaseAndOnlyWhole) {
    NumberFieldNames const& names = NumberFieldNames::registered();
    for (std::string_view name : {"source", "SOURCE", "Destination", "targetMSISDN", "msisdn"}) {
        EXPECT_TRUE(names.contains(name)) << name;
    }
    for (std::string_view name :
         {"", "sourc", "sources", "sourceFormat", "sourceRefId", "msisdn ", "targetMsisdnX"}) {
        EXPECT_FALSE(names.contains(name)) << name;
    }
}

// A rejected body is scrubbed as text, without its type's field list: the number under each
// field of each type must be found by its name alone, with no plus to give it away, even in a
// body cut short.
TEST(NumberFieldNames, LetEveryTypesNumberFieldBeScrubbedFromARejectedBody) {
    MsisdnPrivacy const mask(MsisdnPolicy::mask);
    std::size_t checked = 0;
    for (EventType const& type : event_types()) {
        std::vector<std::string> keys;
        collect_number_fields(type.schema(), keys);
        for (std::string const& key : keys) {
            std::string const head =
                R"({"eventType":")" + std::string(type.identity.name) + R"(","payload":{")" + key;
            for (std::string const& body : {head + R"(":"6591178965","x":1}})",
                                            head + R"(": 6591178965})", head + R"(":"659117896)"}) {
                std::string const scrubbed = mask.scrub_text(body);
                EXPECT_EQ(scrubbed.find("6591178"), std::string::npos)
                    << type.identity.name << "." << key << ": " << scrubbed;
                ++checked;
            }
        }
    }
    EXPECT_GE(checked, 3U * 5U);  // source and destination of two types, msisdn
}

TEST(NumberFieldNames, FindANewTypesNumberFieldsAtAnyDepthWithoutAList) {
    ObjectSchema const forwarding{{
        FieldSpec{"forwardTo", FieldKind::text, false, {.privacy = Privacy::phone_number}},
        FieldSpec{"note", FieldKind::text, false, {.privacy = Privacy::free_text}},
    }};
    ObjectSchema const callback{{
        FieldSpec{"callbackId", FieldKind::text, true, {}},
        FieldSpec{"callerNumber", FieldKind::text, false, {.privacy = Privacy::phone_number}},
        FieldSpec{"forwarding", FieldKind::object, false, {}, &forwarding},
    }};
    ObjectSchema const* const schemas[] = {&callback};
    std::string_view const more[] = {"pilotNumber"};
    NumberFieldNames const names(schemas, more);
    EXPECT_THAT(names.names(), ElementsAre("callernumber", "forwardto", "pilotnumber"));

    MsisdnPrivacy const mask(MsisdnPolicy::mask, {}, names);
    EXPECT_EQ(mask.scrub_text(R"({"CallerNumber":"6591178965","forwardTo":6568332048,)"
                              R"("callbackId":"6591178965","source":"6591178965"})"),
              R"({"CallerNumber":"65****8965","forwardTo":"65****2048",)"
              R"("callbackId":"6591178965","source":"6591178965"})");
}

}  // namespace
}  // namespace callsink
