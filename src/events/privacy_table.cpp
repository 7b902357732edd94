#include "callsink/events/privacy_table.hpp"

#include <array>
#include <string>

namespace callsink {
namespace {

// An HMAC key shorter than this is guessable; 16 bytes is the floor RFC 2104 suggests for SHA-256.
constexpr std::size_t kMinMsisdnKeyBytes = 16;

constexpr std::array<Choice<MsisdnPolicy>, 3> kMsisdnPolicies{{
    {"clear", MsisdnPolicy::clear},
    {"mask", MsisdnPolicy::mask},
    {"hash", MsisdnPolicy::hash},
}};
constexpr auto kMsisdnPolicyNames = choice_names_of(kMsisdnPolicies);

constexpr ConfigKey kMsisdn =
    ConfigKey("msisdn", KeyType::string)
        .with_default("\"clear\"")
        .with_choices(kMsisdnPolicyNames)
        .with_description("what is stored for a phone number: itself, masked, or a keyed hash");
constexpr ConfigKey kKeyEnv =
    ConfigKey("key_env", KeyType::string)
        .with_default("\"CALLSINK_MSISDN_KEY\"")
        .with_allowed("name of an environment variable")
        .with_description("the variable holding the HMAC key of `\"hash\"` (16 bytes or more)");

constexpr std::array<ConfigKey, 2> kPrivacyKeys{kMsisdn, kKeyEnv};

}  // namespace

std::span<ConfigKey const> privacy_table_keys() {
    return kPrivacyKeys;
}

// The key is read only when msisdn = "hash", the one policy that uses it.
PrivacyOptions read_privacy_table(ConfigTable const& table) {
    table.check_keys(kPrivacyKeys);
    PrivacyOptions privacy;
    set_if_present(privacy.msisdn, table.choice(kMsisdn, kMsisdnPolicies));
    set_if_present(privacy.key_env, table.non_empty_string(kKeyEnv));
    if (privacy.msisdn != MsisdnPolicy::hash) {
        return privacy;
    }
    std::string const why = "; msisdn = \"hash\" needs a key of at least " +
                            std::to_string(kMinMsisdnKeyBytes) + " bytes";
    privacy.key = table.environment_value(kKeyEnv.name, privacy.key_env, why);
    if (privacy.key->size() < kMinMsisdnKeyBytes) {
        table.fail(kKeyEnv.name, "environment variable " + privacy.key_env + " holds " +
                                     std::to_string(privacy.key->size()) + " bytes" + why);
    }
    return privacy;
}

}  // namespace callsink
