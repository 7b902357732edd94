// VIRTUAL_NUMBER_UPDATE ("VNU"): the state of the virtual numbers in a subaccount's pool, posted
// to /numbers whenever a number or its health changes (8x8's "Virtual Number Updated Event",
// developer.8x8.com/connect/docs/voice/number-masking/virtual-number-updated; docs/events.md).
// Everything callsink knows about the type is here: its fields, their leniency and its identity.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/events/event_identity.hpp"
#include "callsink/events/field_list.hpp"

namespace callsink {

// The page's table: "SNAPSHOT" or "UPDATES"; "Active", "Unhealthy", "Expiring" or "Inactive";
// "NO_CHANGE" or "UPDATED".
inline constexpr std::array<std::string_view, 2> kUpdateEventTypes{"SNAPSHOT", "UPDATES"};
inline constexpr std::array<std::string_view, 4> kOperationalStatuses{"Active", "Unhealthy",
                                                                      "Expiring", "Inactive"};
inline constexpr std::array<std::string_view, 2> kUpdateStatuses{"NO_CHANGE", "UPDATED"};

inline constexpr std::array<SummaryField, 2> kVirtualNumberUpdateSummary{{
    {"subaccount", "subAccountId"},
    {"update", "updateEventType"},
}};

// One member of `virtualNumbers`.
struct VirtualNumber {
    std::string msisdn;  // required; E.164
    std::optional<std::string> updated_timestamp;
    std::optional<std::string> country_code;
    std::optional<std::string> operational_status;  // Active, Unhealthy … or a newer value
    std::optional<std::string> reference_id;
    std::optional<double> rental_price;
    std::optional<double> incoming_rate;
    std::optional<std::int64_t> billing_unit;
    std::optional<std::string> billing_currency;
    std::optional<bool> number_health_check_enabled;
    std::optional<std::string> update_status;  // NO_CHANGE, UPDATED … or a newer value
    Json extra = Json::object();
};

struct VirtualNumberUpdate {
    std::string sub_account_id;  // required
    std::optional<std::int64_t> total_numbers;
    std::string update_event_type;               // required; SNAPSHOT, UPDATES … or a newer value
    std::vector<VirtualNumber> virtual_numbers;  // required, possibly empty
    Json extra = Json::object();

    // There is no event id: a delivery whose payload, normalised as the record writes it, is byte
    // for byte one already stored is a redelivery. Two updates that differ in anything (a
    // timestamp, a status, a digit that privacy masks) are two.
    static constexpr EventIdentity kIdentity{
        .name = "VIRTUAL_NUMBER_UPDATE",
        .webhook = "VNU",
        .path = "/numbers",
        .event_id = "",
        .session_id = "",
        .redelivery = {},
        .summary = kVirtualNumberUpdateSummary,
    };
};

// The table types rentalPrice and incomingRate as Number, billingUnit as Integer and
// numberHealthCheckEnabled as Boolean; as for the other types, numbers and booleans sent as
// strings ("5.0", "60", "true") are read and written as numbers and booleans. updatedTimestamp's
// type is "Timestamp"; the example sends RFC 3339 with milliseconds.
void visit_fields(Matching<VirtualNumber> auto& number, auto& fields) {
    fields.required("msisdn", number.msisdn, {.privacy = Privacy::phone_number});
    fields.timestamp("updatedTimestamp", number.updated_timestamp);
    fields.optional("countryCode", number.country_code);
    fields.optional("operationalStatus", number.operational_status,
                    {.known = kOperationalStatuses});
    fields.optional("referenceId", number.reference_id, {.privacy = Privacy::free_text});
    fields.optional("rentalPrice", number.rental_price);
    fields.optional("incomingRate", number.incoming_rate);
    fields.optional("billingUnit", number.billing_unit);
    fields.optional("billingCurrency", number.billing_currency);
    fields.optional("numberHealthCheckEnabled", number.number_health_check_enabled);
    fields.optional("updateStatus", number.update_status, {.known = kUpdateStatuses});
}

// The table types virtualNumbers as an Object; the page's example sends an array of objects, which
// is what is read (an object is refused, with the field's path, and stored as a rejection).
void visit_fields(Matching<VirtualNumberUpdate> auto& update, auto& fields) {
    fields.required("subAccountId", update.sub_account_id);
    fields.optional("totalNumbers", update.total_numbers);
    fields.required("updateEventType", update.update_event_type, {.known = kUpdateEventTypes});
    fields.required_list("virtualNumbers", update.virtual_numbers);
}

}  // namespace callsink
