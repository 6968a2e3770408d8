#include "services/common/digest/sha256.h"

#include <openssl/evp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace berth {

struct Sha256::State {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ~State() { EVP_MD_CTX_free(context); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr);
}

Sha256::~Sha256() = default;

void Sha256::Update(const char* data, size_t size) {
  EVP_DigestUpdate(state_->context, data, size);
}

std::string Sha256::Digest() const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_MD_CTX* copy = EVP_MD_CTX_new();
  EVP_MD_CTX_copy_ex(copy, state_->context);
  EVP_DigestFinal_ex(copy, digest, &length);
  EVP_MD_CTX_free(copy);
  return "sha256:" + absl::BytesToHexString(
                         absl::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string Sha256::Of(const std::string& data) {
  Sha256 hash;
  hash.Update(data);
  return hash.Digest();
}

}  // namespace berth
