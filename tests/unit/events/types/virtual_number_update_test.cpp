// VIRTUAL_NUMBER_UPDATE against 8x8's example (tests/data/virtual_number_update.json, from the
// "Virtual Number Updated Event" page), its lenient shapes, and each rejection.
#include "callsink/events/types/virtual_number_update.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "callsink/events/parse.hpp"
#include "fixtures.hpp"
#include "parsed.hpp"

namespace callsink {
namespace {

using testing::parsed;

using ::testing::ElementsAre;
using ::testing::Field;
using testing::fixture;

TEST(ParseVirtualNumberUpdate, ReadsThe8x8Example) {
    Event const event = parsed(fixture("virtual_number_update.json"));
    EXPECT_EQ(event.type().identity.name, "VIRTUAL_NUMBER_UPDATE");
    EXPECT_EQ(event.envelope.description, "Status of account virtual number(s) updated");
    EXPECT_TRUE(event.notes.empty());
    VirtualNumberUpdate const update = testing::payload_of<VirtualNumberUpdate>(event);
    EXPECT_EQ(update.sub_account_id, "MySubAccount");
    EXPECT_EQ(update.total_numbers, 2);
    EXPECT_EQ(update.update_event_type, "UPDATES");
    ASSERT_EQ(update.virtual_numbers.size(), 2u);
    VirtualNumber const& first = update.virtual_numbers[0];
    EXPECT_EQ(first.msisdn, "+65123456789");
    EXPECT_EQ(first.updated_timestamp, "2023-02-17T05:10:14.760Z");
    EXPECT_EQ(first.country_code, "SG");
    EXPECT_EQ(first.operational_status, "Active");
    EXPECT_EQ(first.reference_id, "MyVirtualNumber-1");
    EXPECT_EQ(first.rental_price, 5.0);
    EXPECT_EQ(first.incoming_rate, 0.05);
    EXPECT_EQ(first.billing_unit, 1);
    EXPECT_EQ(first.billing_currency, "USD");
    EXPECT_EQ(first.number_health_check_enabled, false);
    EXPECT_EQ(first.update_status, "UPDATED");
    EXPECT_EQ(update.virtual_numbers[1].msisdn, "+65987654321");
    EXPECT_EQ(update.virtual_numbers[1].billing_unit, 60);
    EXPECT_EQ(update.virtual_numbers[1].number_health_check_enabled, true);
}

TEST(ParseVirtualNumberUpdate, ReadsNumbersAndBooleansSentAsStringsAndNullsAsAbsent) {
    Event const event = parsed(fixture("virtual_number_update_lenient.json"));
    EXPECT_TRUE(event.notes.empty());
    VirtualNumberUpdate const update = testing::payload_of<VirtualNumberUpdate>(event);
    EXPECT_EQ(update.update_event_type, "SNAPSHOT");
    EXPECT_EQ(update.total_numbers, 3);
    ASSERT_EQ(update.virtual_numbers.size(), 3u);
    VirtualNumber const& first = update.virtual_numbers[0];
    EXPECT_EQ(first.rental_price, 5.0);
    EXPECT_EQ(first.incoming_rate, 0.05);
    EXPECT_EQ(first.billing_unit, 60);
    EXPECT_EQ(first.number_health_check_enabled, true);
    EXPECT_EQ(first.reference_id, std::nullopt);
    VirtualNumber const& second = update.virtual_numbers[1];
    EXPECT_EQ(second.updated_timestamp, std::nullopt);
    EXPECT_EQ(second.rental_price, std::nullopt);
    EXPECT_EQ(second.number_health_check_enabled, std::nullopt);
    EXPECT_EQ(update.virtual_numbers[2].number_health_check_enabled, false);
}

TEST(ParseVirtualNumberUpdate, KeepsUnknownFieldsAtEveryLevel) {
    Event const event = parsed(fixture("virtual_number_update_lenient.json"));
    EXPECT_EQ(event.envelope.extra, Json::parse(R"({"webhookVersion":2})"));
    VirtualNumberUpdate const update = testing::payload_of<VirtualNumberUpdate>(event);
    EXPECT_EQ(update.extra, Json::parse(R"({"region":"APAC"})"));
    EXPECT_EQ(update.virtual_numbers[0].extra, Json::parse(R"({"healthScore":0.42})"));
}

TEST(ParseVirtualNumberUpdate, AcceptsAnEmptySnapshot) {
    VirtualNumberUpdate const update = testing::payload_of<VirtualNumberUpdate>(
        parsed(fixture("virtual_number_update_empty_snapshot.json")));
    EXPECT_EQ(update.update_event_type, "SNAPSHOT");
    EXPECT_EQ(update.total_numbers, 0);
    EXPECT_TRUE(update.virtual_numbers.empty());
}

TEST(ParseVirtualNumberUpdate, KeepsAndNotesValuesThePageDoesNotList) {
    Event const event = parsed(fixture("virtual_number_update_unknown_values.json"));
    EXPECT_THAT(event.notes,
                ElementsAre(Field(&ParseNote::field, "payload.updateEventType"),
                            Field(&ParseNote::field, "payload.virtualNumbers[0].operationalStatus"),
                            Field(&ParseNote::field, "payload.virtualNumbers[0].updateStatus")));
    VirtualNumberUpdate const update = testing::payload_of<VirtualNumberUpdate>(event);
    EXPECT_EQ(update.update_event_type, "DELTA");
    EXPECT_EQ(update.virtual_numbers[0].operational_status, "Suspended");
    EXPECT_EQ(update.virtual_numbers[0].update_status, "REMOVED");
}

}  // namespace
}  // namespace callsink
