// HMAC-SHA256 under one key, for many threads at once. Setting up a context costs more than the
// MAC of a short message with it: HMAC() looks the algorithm up and keys it on every call, and
// even a copy of a keyed context (EVP_MAC_CTX_dup, about ten allocations) and its free were most
// of libcrypto's share of a hashed delivery (docs/performance.md). So the key is set up once,
// contexts are copied from it once, and each is reused: EVP_MAC_init without a key only rewinds
// one to the keyed state.
//
// Thread-safe: mac() may be called from any number of threads; each borrows a context under a
// short lock, and the pool grows to the number of threads that hash at once.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

struct evp_mac_ctx_st;

namespace callsink {

class HmacSha256Pool {
  public:
    static constexpr std::size_t kMacSize = 32;
    using Mac = std::array<unsigned char, kMacSize>;

    // Throws std::invalid_argument for an empty key or one longer than OpenSSL takes, and
    // std::runtime_error when OpenSSL has no HMAC-SHA256 (start-up only).
    explicit HmacSha256Pool(std::string_view key);
    ~HmacSha256Pool();
    HmacSha256Pool(HmacSha256Pool const&) = delete;
    HmacSha256Pool& operator=(HmacSha256Pool const&) = delete;

    // The MAC of `message`; nullopt if OpenSSL failed, in which case the context it used is
    // freed rather than lent again, since its state is unknown.
    std::optional<Mac> mac(std::span<unsigned char const> message);

  private:
    struct FreeContext {
        void operator()(evp_mac_ctx_st* context) const noexcept;
    };
    using Context = std::unique_ptr<evp_mac_ctx_st, FreeContext>;
    class Lease;

    Context borrow();
    void give_back(Context context) noexcept;

    Context keyed_;
    std::mutex mutex_;
    std::vector<Context> idle_;
};

}  // namespace callsink
