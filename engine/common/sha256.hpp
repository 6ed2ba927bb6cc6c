#pragma once
// SHA-256 through OpenSSL's EVP interface, for the journal's batch chain and the
// state hash.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace jubian {

using Digest = std::array<uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const uint8_t> bytes);
  void update_u64(uint64_t value);  // little-endian, for hashing integer state
  Digest finish();                  // the digest; the object may be reused afterwards

  static Digest of(std::span<const uint8_t> bytes);

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

std::string to_hex(std::span<const uint8_t> bytes);

}  // namespace jubian
