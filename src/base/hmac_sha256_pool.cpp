#include "callsink/base/hmac_sha256_pool.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <climits>
#include <stdexcept>
#include <utility>

namespace callsink {
namespace {

// More idle contexts than this are freed: more threads than this never hash at once.
constexpr std::size_t kMaxIdle = 64;

}  // namespace

void HmacSha256Pool::FreeContext::operator()(evp_mac_ctx_st* context) const noexcept {
    EVP_MAC_CTX_free(context);
}

// A context borrowed for one MAC, returned to the pool when the lease ends.
class HmacSha256Pool::Lease {
  public:
    explicit Lease(HmacSha256Pool& pool) : pool_(pool), context_(pool.borrow()) {}
    ~Lease() { pool_.give_back(std::move(context_)); }
    Lease(Lease const&) = delete;
    Lease& operator=(Lease const&) = delete;

    // Null only if OpenSSL could not copy the keyed context.
    EVP_MAC_CTX* get() const noexcept { return context_.get(); }

    // After an OpenSSL failure: freed instead of going back.
    void discard() noexcept { context_.reset(); }

  private:
    HmacSha256Pool& pool_;
    Context context_;
};

HmacSha256Pool::HmacSha256Pool(std::string_view key) {
    if (key.empty()) {
        throw std::invalid_argument("an HMAC key must not be empty");
    }
    if (key.size() > static_cast<std::size_t>(INT_MAX)) {
        throw std::invalid_argument("the HMAC key is too long");
    }
    std::unique_ptr<EVP_MAC, void (*)(EVP_MAC*)> const mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr),
                                                           &EVP_MAC_free);
    keyed_.reset(mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);
    char digest[] = "SHA256";
    OSSL_PARAM const parameters[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                                     OSSL_PARAM_construct_end()};
    if (!keyed_ || EVP_MAC_init(keyed_.get(), reinterpret_cast<unsigned char const*>(key.data()),
                                key.size(), parameters) != 1) {
        throw std::runtime_error("HMAC-SHA256 is not available from OpenSSL");
    }
    idle_.reserve(kMaxIdle);
}

HmacSha256Pool::~HmacSha256Pool() = default;

std::optional<HmacSha256Pool::Mac> HmacSha256Pool::mac(std::span<unsigned char const> message) {
    Lease context(*this);
    if (context.get() == nullptr) {
        return std::nullopt;
    }
    Mac out{};
    std::size_t size = 0;
    if (EVP_MAC_init(context.get(), nullptr, 0, nullptr) != 1 ||
        EVP_MAC_update(context.get(), message.data(), message.size()) != 1 ||
        EVP_MAC_final(context.get(), out.data(), &size, out.size()) != 1 || size != out.size()) {
        context.discard();
        return std::nullopt;
    }
    return out;
}

HmacSha256Pool::Context HmacSha256Pool::borrow() {
    {
        std::lock_guard const lock(mutex_);
        if (!idle_.empty()) {
            Context context = std::move(idle_.back());
            idle_.pop_back();
            return context;
        }
    }
    return Context(EVP_MAC_CTX_dup(keyed_.get()));
}

void HmacSha256Pool::give_back(Context context) noexcept {
    if (!context) {
        return;
    }
    std::lock_guard const lock(mutex_);
    if (idle_.size() < kMaxIdle) {
        idle_.push_back(std::move(context));  // within the reserved capacity: cannot throw
    }
}

}  // namespace callsink
