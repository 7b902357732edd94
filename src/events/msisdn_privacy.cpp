// MSISDN masking, hashing and scrubbing ([privacy] msisdn). The rules are in the header; this file
// only implements them.
#include "callsink/events/msisdn_privacy.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <climits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>
#include <variant>
#include <vector>

namespace callsink {
namespace {

constexpr std::string_view kTokenPrefix = "msisdn:";
constexpr std::size_t kTokenHexDigits = 16;  // 64 bits of the HMAC
// Written instead of a token if OpenSSL ever fails after the start-up self-check: the number must
// not leak, and a reader can tell this from a token.
constexpr std::string_view kHashFailed = "msisdn:unavailable";

constexpr std::size_t kShortNumberLength = 8;  // fewer digits: nothing is kept
constexpr std::size_t kKeptTailDigits = 4;
constexpr std::size_t kMinHiddenDigits = 3;
constexpr std::size_t kMinTextNumberDigits = 7;  // after a plus sign in free text
constexpr std::size_t kMaxSeparatorRun = 2;      // ") " in "+1 (231) 437-7870"

// ITU-T E.164 two-digit country codes (List of ITU-T Recommendation E.164 assigned country
// codes). 1 and 7 are the one-digit codes; every other code starting with 2-9 has three digits.
constexpr std::array kTwoDigitCountryCodes{
    20, 27,                              // Egypt, South Africa
    30, 31, 32, 33, 34, 36, 39,          // Greece … Spain, Hungary, Italy
    40, 41, 43, 44, 45, 46, 47, 48, 49,  // Romania, Switzerland, Austria … Germany
    51, 52, 53, 54, 55, 56, 57, 58,      // Peru … Venezuela
    60, 61, 62, 63, 64, 65, 66,          // Malaysia … Singapore, Thailand
    81, 82, 84, 86,                      // Japan, South Korea, Vietnam, China
    90, 91, 92, 93, 94, 95, 98,          // Turkey … Myanmar, Iran
};

// The members that carry a phone number: CALL_STATUS and SESSION_SUMMARY legs use source and
// destination; the call handle (VCA) sends sourceMsisdn and targetMsisdn, Number Health msisdn
// (8x8's blog post "Build and Test a Call Masking Flow Using 8x8's Number Masking API").
constexpr std::array<std::string_view, 5> kNumberFieldNames{"source", "destination", "sourcemsisdn",
                                                            "targetmsisdn", "msisdn"};
constexpr std::size_t kLongestNumberFieldName = 12;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool has_digit(std::string_view text) {
    return std::any_of(text.begin(), text.end(), is_digit);
}

bool is_number_field_name(std::string_view name) {
    if (name.size() > kLongestNumberFieldName) {
        return false;
    }
    return std::any_of(kNumberFieldNames.begin(), kNumberFieldNames.end(),
                       [name](std::string_view known) {
                           return known.size() == name.size() &&
                                  std::equal(name.begin(), name.end(), known.begin(),
                                             [](char a, char b) { return ascii_lower(a) == b; });
                       });
}

bool is_token(std::string_view value) {
    if (value.size() != kTokenPrefix.size() + kTokenHexDigits || !value.starts_with(kTokenPrefix)) {
        return false;
    }
    return std::all_of(value.begin() + kTokenPrefix.size(), value.end(),
                       [](char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); });
}

bool is_masked_position(char c) {
    return is_digit(c) || c == '*';
}

}  // namespace

std::string_view to_string(MsisdnPolicy policy) {
    switch (policy) {
        case MsisdnPolicy::clear:
            return "clear";
        case MsisdnPolicy::mask:
            return "mask";
        case MsisdnPolicy::hash:
            return "hash";
    }
    return "?";
}

std::size_t country_code_length(std::string_view digits) {
    if (digits.empty() || digits[0] < '1' || digits[0] > '9') {
        return 0;
    }
    if (digits[0] == '1' || digits[0] == '7') {
        return 1;
    }
    if (digits.size() < 2 || !is_digit(digits[1])) {
        return 0;
    }
    int const code = (digits[0] - '0') * 10 + (digits[1] - '0');
    bool const two_digits = std::find(kTwoDigitCountryCodes.begin(), kTwoDigitCountryCodes.end(),
                                      code) != kTwoDigitCountryCodes.end();
    return two_digits ? 2 : 3;
}

// Setting up a context costs more than hashing a number with it: HMAC() looks the algorithm up and
// keys it for every call, and even a copy of a keyed context (EVP_MAC_CTX_dup, about ten
// allocations) and its free were most of libcrypto's share of a hashed delivery
// (docs/performance.md). So contexts are copied once and then reused: EVP_MAC_init without a key
// only rewinds one to the keyed state. Each caller borrows one under a short lock; the pool grows
// to the number of threads that hash at once.
class MsisdnPrivacy::HmacContexts {
  public:
    using Context = std::unique_ptr<EVP_MAC_CTX, void (*)(EVP_MAC_CTX*)>;

    explicit HmacContexts(std::string const& key) : keyed_(nullptr, &EVP_MAC_CTX_free) {
        std::unique_ptr<EVP_MAC, void (*)(EVP_MAC*)> const mac(
            EVP_MAC_fetch(nullptr, "HMAC", nullptr), &EVP_MAC_free);
        keyed_.reset(mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);
        char digest[] = "SHA256";
        OSSL_PARAM const parameters[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                                         OSSL_PARAM_construct_end()};
        if (!keyed_ ||
            EVP_MAC_init(keyed_.get(), reinterpret_cast<unsigned char const*>(key.data()),
                         key.size(), parameters) != 1) {
            throw std::runtime_error("HMAC-SHA256 is not available from OpenSSL");
        }
        idle_.reserve(kMaxIdle);
    }

    // A context to hash one number with, returned to the pool when the lease ends. Empty only if
    // OpenSSL could not copy the keyed context.
    class Lease {
      public:
        explicit Lease(HmacContexts& pool) : pool_(pool), context_(pool.borrow()) {}
        ~Lease() { pool_.give_back(std::move(context_)); }
        Lease(Lease const&) = delete;
        Lease& operator=(Lease const&) = delete;

        explicit operator bool() const noexcept { return context_ != nullptr; }
        EVP_MAC_CTX* get() const noexcept { return context_.get(); }

        // After an OpenSSL failure: freed instead of going back, so that a context in an unknown
        // state is never lent again.
        void discard() noexcept { context_.reset(); }

      private:
        HmacContexts& pool_;
        Context context_;
    };

  private:
    // More idle contexts than this are freed: more threads than this never hash at once.
    static constexpr std::size_t kMaxIdle = 64;

    Context borrow() {
        {
            std::lock_guard const lock(mutex_);
            if (!idle_.empty()) {
                Context context = std::move(idle_.back());
                idle_.pop_back();
                return context;
            }
        }
        return Context(EVP_MAC_CTX_dup(keyed_.get()), &EVP_MAC_CTX_free);
    }

    void give_back(Context context) noexcept {
        if (!context) {
            return;
        }
        std::lock_guard const lock(mutex_);
        if (idle_.size() < kMaxIdle) {
            idle_.push_back(std::move(context));  // within the reserved capacity: cannot throw
        }
    }

    Context keyed_;
    std::mutex mutex_;
    std::vector<Context> idle_;
};

MsisdnPrivacy::MsisdnPrivacy(MsisdnPolicy policy, std::string key)
    : policy_(policy), key_(std::move(key)) {
    if (policy_ != MsisdnPolicy::hash) {
        return;
    }
    if (key_.empty()) {
        throw std::invalid_argument("privacy.msisdn = \"hash\" needs a key");
    }
    if (key_.size() > static_cast<std::size_t>(INT_MAX)) {
        throw std::invalid_argument("privacy key is too long");
    }
    hmac_ = std::make_shared<HmacContexts>(key_);
    if (hash("0") == kHashFailed) {
        throw std::runtime_error("HMAC-SHA256 is not available from OpenSSL");
    }
}

std::string MsisdnPrivacy::protect_number(std::string_view number) const {
    if (policy_ == MsisdnPolicy::clear || !has_digit(number)) {
        return std::string(number);
    }
    return policy_ == MsisdnPolicy::mask ? mask(number) : hash(number);
}

std::string MsisdnPrivacy::mask(std::string_view number) const {
    // Positions are the digits and '*'s, so a masked value masks to itself.
    std::size_t length = 0;
    std::array<char, 2> head{};
    for (char c : number) {
        if (is_masked_position(c)) {
            if (length < head.size()) {
                head[length] = c;
            }
            ++length;
        }
    }
    std::size_t keep_head = 0;
    std::size_t keep_tail = 0;
    if (length >= kShortNumberLength) {
        keep_tail = kKeptTailDigits;
        std::size_t const code = country_code_length(std::string_view(head.data(), head.size()));
        if (length - code - keep_tail >= kMinHiddenDigits) {
            keep_head = code;
        }
    }
    std::string out(number);
    std::size_t position = 0;
    for (char& c : out) {
        if (!is_masked_position(c)) {
            continue;
        }
        if (position >= keep_head && position < length - keep_tail) {
            c = '*';
        }
        ++position;
    }
    return out;
}

std::string MsisdnPrivacy::hash(std::string_view number) const {
    if (is_token(number)) {
        return std::string(number);
    }
    // '+' and the digits. Any real number fits the stack buffer; a longer value uses the heap.
    std::size_t const digits =
        static_cast<std::size_t>(std::count_if(number.begin(), number.end(), is_digit));
    std::array<unsigned char, 64> small{};
    std::vector<unsigned char> large;
    unsigned char* normalised = small.data();
    if (digits + 1 > small.size()) {
        large.resize(digits + 1);
        normalised = large.data();
    }
    std::size_t size = 0;
    normalised[size++] = '+';
    for (char c : number) {
        if (is_digit(c)) {
            normalised[size++] = static_cast<unsigned char>(c);
        }
    }

    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    std::size_t mac_size = 0;
    HmacContexts::Lease context(*hmac_);
    if (!context) {
        return std::string(kHashFailed);
    }
    if (EVP_MAC_init(context.get(), nullptr, 0, nullptr) != 1 ||
        EVP_MAC_update(context.get(), normalised, size) != 1 ||
        EVP_MAC_final(context.get(), mac.data(), &mac_size, mac.size()) != 1 ||
        mac_size < kTokenHexDigits / 2) {
        context.discard();
        return std::string(kHashFailed);
    }
    constexpr std::string_view kHex = "0123456789abcdef";
    std::string token;
    token.reserve(kTokenPrefix.size() + kTokenHexDigits);
    token.append(kTokenPrefix);
    for (std::size_t i = 0; i < kTokenHexDigits / 2; ++i) {
        token.push_back(kHex[mac[i] >> 4]);
        token.push_back(kHex[mac[i] & 0x0F]);
    }
    return token;
}

namespace {

// One left-to-right pass over raw text; every byte is looked at a bounded number of times.
class TextScrubber {
  public:
    TextScrubber(MsisdnPrivacy const& privacy, std::string_view text)
        : privacy_(privacy), text_(text) {
        out_.reserve(text.size() + 32);
    }

    std::string run() && {
        while (pos_ < text_.size()) {
            std::size_t const next = text_.find_first_of("\"+%\\", pos_);
            if (next == std::string_view::npos) {
                out_.append(text_.substr(pos_));
                break;
            }
            out_.append(text_.substr(pos_, next - pos_));
            pos_ = next;
            if (!scrub_number_field() && !scrub_plus_number()) {
                out_.push_back(text_[pos_++]);
            }
        }
        return std::move(out_);
    }

  private:
    char at(std::size_t i) const { return i < text_.size() ? text_[i] : '\0'; }

    // "+", "%2B" (URL encoding) or "\u002B" (a JSON escape) at `i`: its length, else 0.
    std::size_t plus_sign_length(std::size_t i) const {
        if (at(i) == '+') {
            return 1;
        }
        if (at(i) == '%' && at(i + 1) == '2' && ascii_lower(at(i + 2)) == 'b') {
            return 3;
        }
        if (at(i) == '\\' && at(i + 1) == 'u' && at(i + 2) == '0' && at(i + 3) == '0' &&
            at(i + 4) == '2' && ascii_lower(at(i + 5)) == 'b') {
            return 6;
        }
        return 0;
    }

    static bool is_separator(char c) {
        return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
    }

    static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

    // What may follow the first character of a JSON number.
    static bool is_number_char(char c) {
        return is_digit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
    }

    // Digits from `i`, where up to kMaxSeparatorRun separators may sit between two digits. Returns
    // the end of the last digit and counts the digits.
    std::size_t digits_end(std::size_t i, std::size_t& digits) const {
        digits = 0;
        std::size_t end = i;
        while (i < text_.size()) {
            if (is_digit(text_[i])) {
                ++digits;
                end = ++i;
                continue;
            }
            std::size_t j = i;
            while (j < text_.size() && j - i < kMaxSeparatorRun && is_separator(text_[j])) {
                ++j;
            }
            if (digits == 0 || j == i || !is_digit(at(j))) {
                break;
            }
            i = j;
        }
        return end;
    }

    // The number text_[start, end) that starts with a plus sign of `plus_length` bytes. A mask
    // keeps the plus sign as written; a token replaces it too.
    void write_number(std::size_t start, std::size_t plus_length, std::size_t end) {
        std::string_view const number =
            text_.substr(start + plus_length, end - start - plus_length);
        if (privacy_.policy() != MsisdnPolicy::hash || !has_digit(number)) {
            out_.append(text_.substr(start, plus_length));
        }
        out_.append(privacy_.protect_number(number));
    }

    bool scrub_plus_number() {
        std::size_t const plus_length = plus_sign_length(pos_);
        if (plus_length == 0) {
            return false;
        }
        std::size_t digits = 0;
        std::size_t const end = digits_end(pos_ + plus_length, digits);
        if (digits < kMinTextNumberDigits) {
            return false;
        }
        write_number(pos_, plus_length, end);
        pos_ = end;
        return true;
    }

    // At a '"': a member named like a number field, ':' and its value. The key may close with \"
    // when the JSON sits inside a JSON string (eventData, errorMsg), and then so does the value.
    bool scrub_number_field() {
        if (at(pos_) != '"') {
            return false;
        }
        std::size_t i = pos_ + 1;
        std::size_t const name_start = i;
        while (i < text_.size() && i - name_start <= kLongestNumberFieldName && text_[i] != '"' &&
               text_[i] != '\\') {
            ++i;
        }
        if (!is_number_field_name(text_.substr(name_start, i - name_start))) {
            return false;
        }
        bool const nested = at(i) == '\\';
        i += nested ? 1 : 0;
        if (at(i) != '"') {
            return false;
        }
        ++i;
        while (is_space(at(i))) {
            ++i;
        }
        if (at(i) != ':') {
            return false;
        }
        ++i;
        while (is_space(at(i))) {
            ++i;
        }
        return scrub_value(i, nested);
    }

    // A string value up to its closing quote, or a number value. A string that never closes (a
    // body cut short) ends with the text. Inside a JSON string (`nested`) the quotes are \"
    // and the value ends at the next quote, whose backslash is not part of it.
    bool scrub_value(std::size_t i, bool nested) {
        std::string_view const quote = nested ? "\\\"" : "\"";
        if (text_.substr(i).starts_with(quote)) {
            std::size_t const start = i + quote.size();
            std::size_t end = start;
            while (end < text_.size() && text_[end] != '"') {
                end += !nested && text_[end] == '\\' ? 2 : 1;
            }
            end = std::min(end, text_.size());
            if (nested && at(end) == '"' && end > start && text_[end - 1] == '\\') {
                --end;
            }
            write_value(start, end, "");
            return true;
        }
        if (is_digit(at(i)) || at(i) == '+' || at(i) == '-') {
            std::size_t end = i + 1;
            while (end < text_.size() && is_number_char(text_[end])) {
                ++end;
            }
            write_value(i, end, quote);
            return true;
        }
        return false;
    }

    // Copies the text up to the value, then the protected value; a number value is written as a
    // string (`quote`), since a mask or a token is no longer a JSON number.
    void write_value(std::size_t start, std::size_t end, std::string_view quote) {
        out_.append(text_.substr(pos_, start - pos_));
        std::size_t const plus_length = plus_sign_length(start);
        out_.append(quote);
        if (plus_length > 1 && start + plus_length <= end) {
            write_number(start, plus_length, end);
        } else {
            out_.append(privacy_.protect_number(text_.substr(start, end - start)));
        }
        out_.append(quote);
        pos_ = end;
    }

    MsisdnPrivacy const& privacy_;
    std::string_view text_;
    std::string out_;
    std::size_t pos_ = 0;
};

// Iterative, so a deeply nested `extra` cannot exhaust the stack.
void protect_json(MsisdnPrivacy const& privacy, Json& root) {
    std::vector<std::pair<Json*, bool>> pending{{&root, false}};
    while (!pending.empty()) {
        auto [value, holds_number] = pending.back();
        pending.pop_back();
        if (value->is_string()) {
            auto& text = value->get_ref<std::string&>();
            text = holds_number ? privacy.protect_number(text) : privacy.scrub_text(text);
        } else if (value->is_number() && holds_number) {
            *value = privacy.protect_number(value->dump());
        } else if (value->is_object()) {
            for (auto it = value->begin(); it != value->end(); ++it) {
                pending.emplace_back(&it.value(), is_number_field_name(it.key()));
            }
        } else if (value->is_array()) {
            for (auto& element : *value) {
                pending.emplace_back(&element, holds_number);
            }
        }
    }
}

// Walks a typed object's field list, as FieldReader does, and protects each field by the
// privacy its list gives it; what the list does not name (`extra`, eventData) is protected by
// member name and content.
class FieldProtector {
  public:
    explicit FieldProtector(MsisdnPrivacy const& privacy) : privacy_(privacy) {}

    void required(std::string_view /*key*/, std::string& value, TextRules rules = {}) {
        apply(value, rules.privacy);
    }
    void optional(std::string_view /*key*/, std::optional<std::string>& value,
                  TextRules rules = {}) {
        if (value) {
            apply(*value, rules.privacy);
        }
    }
    template <class T>
    void optional(std::string_view /*key*/, std::optional<T>& /*number_or_boolean*/) {}
    void timestamp(std::string_view /*key*/, std::optional<std::string>& /*value*/) {}
    void string_or_object(std::string_view /*key*/, std::optional<Json>& value) {
        if (value) {
            protect_json(privacy_, *value);
        }
    }
    template <class T>
    void object(std::string_view /*key*/, std::optional<T>& value) {
        if (value) {
            protect_object(*value);
        }
    }
    template <class T>
    void named_objects(std::string_view /*key*/, std::vector<T>& values) {
        protect_each(values);
    }
    template <class T>
    void required_list(std::string_view /*key*/, std::vector<T>& values) {
        protect_each(values);
    }

    template <class T>
    void protect_object(T& value) {
        visit_fields(value, *this);
        protect_json(privacy_, value.extra);
    }

    template <class T>
    void protect_each(std::vector<T>& values) {
        for (T& value : values) {
            protect_object(value);
        }
    }

  private:
    void apply(std::string& value, Privacy privacy) {
        switch (privacy) {
            case Privacy::none:
                return;
            case Privacy::phone_number:
                value = privacy_.protect_number(value);
                return;
            case Privacy::free_text:
                value = privacy_.scrub_text(value);
                return;
        }
    }

    MsisdnPrivacy const& privacy_;
};

}  // namespace

void MsisdnPrivacy::protect(Event& event) const {
    if (!enabled()) {
        return;
    }
    FieldProtector protector(*this);
    protector.protect_object(event.envelope);
    std::visit([&protector](auto& payload) { protector.protect_object(payload); }, event.payload);
    for (ParseNote& note : event.notes) {
        note.value = scrub_text(note.value);
    }
}

std::string MsisdnPrivacy::scrub_text(std::string_view text) const {
    if (!enabled()) {
        return std::string(text);
    }
    return TextScrubber(*this, text).run();
}

}  // namespace callsink
