#ifndef BERTH_SERVICES_COMMON_DIGEST_SHA256_H_
#define BERTH_SERVICES_COMMON_DIGEST_SHA256_H_

// Incremental SHA-256 (OpenSSL) giving OCI digests: "sha256:<hex>".

#include <memory>
#include <string>

namespace berth {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const char* data, size_t size);
  void Update(const std::string& data) { Update(data.data(), data.size()); }
  // "sha256:<hex>" of everything so far; more may be added after.
  std::string Digest() const;

  static std::string Of(const std::string& data);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace berth

#endif  // BERTH_SERVICES_COMMON_DIGEST_SHA256_H_
