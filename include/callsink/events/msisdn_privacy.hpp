// Hides phone numbers (MSISDNs) in everything callsink writes ([privacy] msisdn,
// docs/configuration.md): the typed number fields of an Event, numbers inside free text and unknown
// fields, and raw text such as a rejected body or a log line. This class holds the policy and
// the rules for one number (below); finding the numbers is msisdn_field_protector.hpp's job in an
// Event and msisdn_text_scrubber.hpp's in raw text, and the HMAC behind a token is
// base/hmac_sha256_pool.hpp's. Pure: no I/O, no logging, no globals. Built once at start-up;
// every method is const and safe to call from many threads.
//
// Policies:
//   clear  everything passes through unchanged.
//   mask   keeps the country code and the last four digits, every other digit becomes '*':
//          "+6591178965" -> "+65****8965", "+65 9117 8965" -> "+65 **** 8965".
//   hash   replaces the value with "msisdn:" and 16 lowercase hex digits, the first 64 bits of
//          HMAC-SHA256(key, '+' followed by the value's digits). Formatting does not matter
//          ("+65 9117 8965", "6591178965" and "+6591178965" give one token), so a number can
//          still be followed across events and sessions without being stored.
//
// The exact rules, in the order they apply to one value (protect_number):
//   1. A value without a digit ("", "anonymous", "***") is returned unchanged in every policy.
//   2. hash: a value that is already a token ("msisdn:" + 16 lowercase hex digits) is returned
//      unchanged, so scrubbing text twice, or scrubbing a record built from a protected Event,
//      never hashes a token. Any other value becomes its token.
//   3. mask works in place: only digits change, so separators, a leading '+' and any other
//      character stay. The value's length n counts its digits and its '*' characters, so masking
//      a masked value changes nothing.
//        n < 8                    every digit becomes '*' (short codes, extensions, national
//                                 fragments: too short to keep anything).
//        otherwise                the first c digits (the country code, below) and the last 4
//                                 are kept, provided at least 3 digits stay hidden; when
//                                 n - c - 4 < 3 only the last 4 are kept.
//      The country-code length c comes from the ITU E.164 assignments (country_code_length).
//      A value is read as an international number whether or not it starts with '+', because
//      8x8 sends MSISDNs in international format; a national number therefore keeps at most 3
//      leading digits, and one starting with '0' (a trunk prefix) keeps none.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "callsink/events/event.hpp"
#include "callsink/events/number_field_names.hpp"

namespace callsink {

enum class MsisdnPolicy { clear, mask, hash };

// [privacy] in the configuration file.
struct PrivacyOptions {
    MsisdnPolicy msisdn = MsisdnPolicy::clear;
    std::string key_env = "CALLSINK_MSISDN_KEY";
    std::optional<std::string> key;  // the value of key_env at load time, when set
};

std::string_view to_string(MsisdnPolicy policy);

// Length of the E.164 country code that `digits` starts with (only the leading digits are read):
//   1 for zone 1 (NANP) and 7 (Russia, Kazakhstan);
//   2 for 20, 27, 30-34, 36, 39, 40, 41, 43-49, 51-58, 60-66, 81, 82, 84, 86, 90-95, 98;
//   3 for every other code starting with 2-9 (212, 351, 420, 880, 971 …; spare codes too);
//   0 when `digits` does not start with a digit 1-9 (a '0' trunk prefix, a '*', empty), or
//     when a second digit is needed and missing ("3", "3*"): nothing is known to be a code.
std::size_t country_code_length(std::string_view digits);

class HmacSha256Pool;

class MsisdnPrivacy {
  public:
    // Throws std::invalid_argument when `policy` is hash and `key` is empty (start-up only; the
    // config loader already refuses that). The key is ignored by clear and mask. `number_fields`
    // names the members that hold a number where no field list says so; it must outlive this.
    explicit MsisdnPrivacy(MsisdnPolicy policy, std::string key = {},
                           NumberFieldNames const& number_fields = NumberFieldNames::registered());

    MsisdnPolicy policy() const noexcept { return policy_; }
    bool enabled() const noexcept { return policy_ != MsisdnPolicy::clear; }
    NumberFieldNames const& number_fields() const noexcept { return *number_fields_; }

    // One value from a field known to hold a phone number, formatted any way. See the rules
    // above. Throws nothing but std::bad_alloc.
    std::string protect_number(std::string_view number) const;

    // Every phone number the event carries, as its type's field list marks them
    // (msisdn_field_protector.hpp). Nothing changes when the policy is clear.
    void protect(Event& event) const;

    // Raw text: a rejected body, a rejection message, a log line (msisdn_text_scrubber.hpp says
    // what is found). Nothing changes when the policy is clear.
    std::string scrub_text(std::string_view text) const;

  private:
    std::string mask(std::string_view number) const;
    std::string hash(std::string_view number) const;

    MsisdnPolicy policy_;
    NumberFieldNames const* number_fields_;
    // The key, set up once (hash only). Shared, so that copies of this object hash alike.
    std::shared_ptr<HmacSha256Pool> hmac_;
};

}  // namespace callsink
